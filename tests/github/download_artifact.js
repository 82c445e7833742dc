// actions/download-artifact@v7 for one named artifact of another run (the inputs
// name, run-id, github-token, repository, path), through the real @actions/artifact
// client: the run's artifact by name, then its zip by the API's redirect, unzipped.
"use strict";

const core = require("@actions/core");
const { DefaultArtifactClient } = require("@actions/artifact");

async function main() {
  const [repositoryOwner, repositoryName] = core.getInput("repository", { required: true }).split("/");
  const findBy = {
    token: core.getInput("github-token", { required: true }),
    workflowRunId: Number(core.getInput("run-id", { required: true })),
    repositoryOwner,
    repositoryName,
  };
  const client = new DefaultArtifactClient();
  const { artifact } = await client.getArtifact(core.getInput("name", { required: true }), { findBy });
  const path = core.getInput("path", { required: true });
  await client.downloadArtifact(artifact.id, { path, findBy });
  core.setOutput("download-path", path);
}

main().catch((err) => core.setFailed(err.message));
