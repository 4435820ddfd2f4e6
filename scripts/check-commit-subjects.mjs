// Commit subjects read `area: summary` in at most 72 characters (details go in the body), for
// every commit after the one where the rule was adopted (issue 17). Run by .ci/run.
//   node scripts/check-commit-subjects.mjs [RANGE]      default: RULE_ADOPTED..HEAD
import { execFileSync } from "node:child_process";

const RULE_ADOPTED = "3eb24d1";
const MAX = 72;
// One area or several ("checks, commands"), lower case, then a summary.
const SHAPE = /^[a-z0-9][a-z0-9./-]*(, [a-z0-9][a-z0-9./-]*)*: \S/;

const git = (...args) => execFileSync("git", args, { encoding: "utf8" });
let range = process.argv[2];
if (range === undefined) {
  try {
    git("merge-base", "--is-ancestor", RULE_ADOPTED, "HEAD");
    range = `${RULE_ADOPTED}..HEAD`;
  } catch {
    // A shallow clone without the commit: check what it has.
    range = "HEAD";
  }
}
const commits = git("log", "--no-merges", "--format=%h%x00%s", range)
  .split("\n")
  .filter(Boolean)
  .map((line) => line.split("\0"));
const bad = commits.filter(([, subject]) => subject.length > MAX || !SHAPE.test(subject));
for (const [hash, subject] of bad)
  console.error(
    `${hash} ${subject}\n  (${subject.length} characters; want "area: summary", at most ${MAX})`,
  );
console.log(
  `commit subjects: ${commits.length - bad.length} of ${commits.length} in ${range} read "area: summary" in at most ${MAX} characters`,
);
process.exitCode = bad.length === 0 ? 0 : 1;
