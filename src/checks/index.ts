// The lazy boundary of the check engine: `meshlens --help` and `--version` load none of this.
export { prepareCheckRun } from "./prepare.js";
export { runChecks } from "./runner.js";
