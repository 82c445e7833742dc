// actions/github-script@v8's main (src/main.ts), for tests/github/runner.py: the
// step's `script` input runs as the body of an async function of github (the real
// @actions/github Octokit, with the retry and request-log plugins), context, core,
// exec, glob, io and require, exactly as github-script calls it. GITHUB_API_URL
// points Octokit at the fake GitHub.
"use strict";

const core = require("@actions/core");
const exec = require("@actions/exec");
const { context, getOctokit } = require("@actions/github");
const { defaults } = require("@actions/github/lib/utils");
const glob = require("@actions/glob");
const io = require("@actions/io");
const { requestLog } = require("@octokit/plugin-request-log");
const { retry } = require("@octokit/plugin-retry");
const path = require("path");

// github-script's require: relative to the working directory, modules from it.
const wrapRequire = new Proxy(require, {
  apply: (target, thisArg, [moduleID]) => {
    if (moduleID.startsWith(".")) return target.apply(thisArg, [path.resolve(moduleID)]);
    const modulePath = target.resolve.apply(thisArg, [moduleID, { paths: [process.cwd()] }]);
    return target.apply(thisArg, [modulePath]);
  },
});

async function main() {
  const token = core.getInput("github-token", { required: true });
  // The input's default "0": no retries, and the default request options.
  const github = getOctokit(token, { retry: { enabled: false }, request: defaults.request }, retry, requestLog);
  const script = core.getInput("script", { required: true });
  const AsyncFunction = Object.getPrototypeOf(async () => null).constructor;
  const args = {
    require: wrapRequire, __original_require__: require, github, octokit: github,
    context, core, exec, glob, io,
  };
  const result = await new AsyncFunction(...Object.keys(args), script)(...Object.values(args));
  core.setOutput("result", result === undefined ? "" : JSON.stringify(result));
}

function handleError(err) {
  console.error(err);
  core.setFailed(`Unhandled error: ${err}`);
}

process.on("unhandledRejection", handleError);
main().catch(handleError);
