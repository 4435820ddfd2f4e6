// The lazy boundary of the check engine: `meshlens --help` and `--version` load none of this.
export { checkCatalog } from "./catalog.js";
export { createDataPlaneFacts, proxyAssessments } from "./data-plane.js";
export { createFacts, linkerdConfigReader, readClusterIdentityInput } from "./facts.js";
export { runChecks } from "./runner.js";
