// The GitHub API calls of the judgesync action: its github-script steps (action.yml)
// each call one function here with github-script's `github`, `context` and `core`.
// Kept in one file so that each rule (the body path, the markers) lives in one place.
"use strict";

const fs = require("fs");
const path = require("path");

const PLAN_MARKER = "<!-- judgesync-plan -->";
// Written by the action under the marker, so that its comment is found whichever
// token wrote it (a GitHub App, GITHUB_TOKEN or a person's token).
const AUTHOR_TAG = "<!-- judgesync-action: sticky plan comment -->";
const DRIFT_MARKER = "<!-- judgesync-drift -->";
const DRIFT_LABEL = "judgesync-drift";
const PLAN_ARTIFACT = "judgesync-plan";
// Seconds between lookups of the pull request merged as a commit: GitHub's
// commit→PR association can lag right after a merge. 2+4+8+16 s, under a minute.
const LOOKUP_BACKOFF = "2,4,8,16";

// A comment or issue body, read only from the files run.sh writes: a path
// elsewhere (for instance set through a forged step output) fails the step.
function readBody(file) {
  const root = fs.realpathSync(path.join(process.env.RUNNER_TEMP || "", "judgesync"));
  const real = fs.realpathSync(file || ".");
  if (!real.startsWith(root + path.sep)) {
    throw new Error(`Refusing to post ${file}: a body must be a file under ${root}.`);
  }
  return fs.readFileSync(real, "utf8");
}

function backoff() {
  const text = process.env.JUDGESYNC_LOOKUP_BACKOFF || LOOKUP_BACKOFF;
  return text.split(",").map((seconds) => Number(seconds) * 1000);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// The pull request a merge commit's message names: `Merge pull request #N from …`
// (a merge commit) or `… (#N)` closing the first line (a squash merge).
function namedPull(message) {
  const first = (message || "").split("\n", 1)[0];
  const found = /^Merge pull request #(\d+) /.exec(first) || /\(#(\d+)\)\s*$/.exec(first);
  return found ? Number(found[1]) : null;
}

// The pull request merged as `sha`, re-read with pulls.get; null for a direct push.
async function mergedPull(github, core, owner, repo, sha) {
  const mergedAs = (pull) => Boolean(pull.merged_at) && pull.merge_commit_sha === sha;
  const delays = backoff();
  for (let attempt = 0; ; attempt += 1) {
    const { data: pulls } = await github.rest.repos.listPullRequestsAssociatedWithCommit({
      owner, repo, commit_sha: sha,
    });
    for (const candidate of pulls.filter(mergedAs)) {
      const { data: pull } = await github.rest.pulls.get({ owner, repo, pull_number: candidate.number });
      if (mergedAs(pull)) return pull;
    }
    if (attempt >= delays.length) break;
    core.info(`No pull request is associated with ${sha} yet; looking again in ${delays[attempt] / 1000} s.`);
    await sleep(delays[attempt]);
  }
  const { data: commit } = await github.rest.git.getCommit({ owner, repo, commit_sha: sha });
  const number = namedPull(commit.message);
  if (number === null) return null;
  const { data: pull } = await github.rest.pulls.get({ owner, repo, pull_number: number });
  if (mergedAs(pull)) return pull;
  throw new Error(
    `The message of ${sha} names pull request #${number}, but GitHub does not show #${number}` +
      ` merged as ${sha}, so this push is neither applied nor taken for a direct push.` +
      " Re-run this job; if it fails again, apply by hand (docs/ci.md).",
  );
}

// Successful runs of the plan workflow in THIS repository (never a fork's), newest first.
async function planRuns(github, owner, repo, filters, keep) {
  const workflow = process.env.PLAN_WORKFLOW;
  const runs = await github.paginate(github.rest.actions.listWorkflowRuns, {
    owner, repo, workflow_id: workflow, status: "success", per_page: 100, ...filters,
  });
  return runs
    .filter((run) => run.head_repository && run.head_repository.full_name === `${owner}/${repo}`)
    .filter((run) => run.path === `.github/workflows/${workflow}`)
    .filter(keep)
    .sort((a, b) => Date.parse(b.created_at) - Date.parse(a.created_at));
}

// apply on a push: the pull request merged as this commit and the run that reviewed
// its plan: the merge queue's run of this very commit first, else the PR's own run.
async function findReviewedPlan({ github, context, core }) {
  const { owner, repo } = context.repo;
  const payload = context.payload.pull_request;
  // The backstop of a merged pull request's `closed` event: its merge commit.
  const sha = payload && payload.merged ? payload.merge_commit_sha : context.sha;
  const pull = await mergedPull(github, core, owner, repo, sha);
  if (!pull) {
    core.info(`No pull request was merged as ${sha}: a direct push.`);
    return;
  }
  core.setOutput("pr", String(pull.number));
  core.setOutput("head-sha", pull.head.sha);
  const queued = await planRuns(github, owner, repo, { event: "merge_group", head_sha: sha }, () => true);
  const reviewed = await planRuns(
    github, owner, repo, { event: "pull_request", head_sha: pull.head.sha },
    (run) => (run.pull_requests || []).some((linked) => linked.number === pull.number),
  );
  const run = [...queued, ...reviewed][0];
  if (!run) {
    core.setOutput("reason", `no successful ${process.env.PLAN_WORKFLOW} run of this repository exists for it`);
    return;
  }
  const { data: { artifacts } } = await github.rest.actions.listWorkflowRunArtifacts({
    owner, repo, run_id: run.id, name: PLAN_ARTIFACT,
  });
  if (!artifacts.some((artifact) => !artifact.expired)) {
    core.setOutput("reason", `its last plan run (${run.html_url}) saved no plan (no judge changes, a skipped plan, or an expired artifact)`);
    return;
  }
  core.setOutput("run-id", String(run.id));
}

// sticky: create or update THE plan comment; update: only update it; new: always a new one.
async function comment({ github, context }) {
  const text = readBody(process.env.BODY_FILE);
  const rest = text.startsWith(PLAN_MARKER) ? text.slice(PLAN_MARKER.length).replace(/^\n/, "") : text;
  const head = `${PLAN_MARKER}\n${AUTHOR_TAG}\n`;
  const body = head + rest;
  const { owner, repo } = context.repo;
  const issue_number = Number(process.env.PR_NUMBER);
  const mode = process.env.MODE;
  if (mode === "new") {
    await github.rest.issues.createComment({ owner, repo, issue_number, body: text });
    return;
  }
  const comments = await github.paginate(github.rest.issues.listComments, {
    owner, repo, issue_number, per_page: 100,
  });
  const ours = (found) =>
    found.body.startsWith(head) ||
    // A comment of a version without the tag, by a bot as those versions required.
    (found.user.type === "Bot" && found.body.startsWith(PLAN_MARKER));
  const previous = comments.find((found) => found.body && ours(found));
  if (previous) {
    await github.rest.issues.updateComment({ owner, repo, comment_id: previous.id, body });
  } else if (mode === "sticky") {
    await github.rest.issues.createComment({ owner, repo, issue_number, body });
  }
}

// ONE open issue, found by its label and the marker its body starts with: opened or
// updated on drift and when the drift check failed, closed once the remote matches.
async function driftIssue({ github, context }) {
  const { owner, repo } = context.repo;
  const issues = await github.paginate(github.rest.issues.listForRepo, {
    owner, repo, state: "open", labels: DRIFT_LABEL, per_page: 100,
  });
  const open = issues.find((issue) => !issue.pull_request && (issue.body || "").startsWith(DRIFT_MARKER));
  const bodyFile = process.env.DRIFT_ERROR || (process.env.DRIFTED === "true" ? process.env.BODY_FILE : "");
  if (bodyFile) {
    const body = readBody(bodyFile);
    if (open) {
      await github.rest.issues.update({ owner, repo, issue_number: open.number, body });
    } else {
      const title = process.env.DRIFT_ERROR ? "The judges drift check failed" : "Judges drifted from the specs";
      await github.rest.issues.create({ owner, repo, title, body, labels: [DRIFT_LABEL] });
    }
  } else if (open && process.env.DRIFTED === "false") {
    const run = `${context.serverUrl}/${owner}/${repo}/actions/runs/${context.runId}`;
    const body = `The remote judges match the specs again at \`${context.sha}\` ([run](${run})).`;
    await github.rest.issues.createComment({ owner, repo, issue_number: open.number, body });
    await github.rest.issues.update({
      owner, repo, issue_number: open.number, state: "closed", state_reason: "completed",
    });
  }
}

module.exports = { findReviewedPlan, comment, driftIssue, namedPull };
