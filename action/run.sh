#!/usr/bin/env bash
# The shell steps of the judgesync action (action.yml): `run.sh STEP`.
#
#   scope     plan on a pull request: skip everything when no spec file changed
#   validate  check the specs offline; problems become annotations
#   plan      validate, then plan; the markdown goes to the summary and the comment
#   apply     apply a reviewed plan (see docs/ci.md), or only plan a direct push
#   drift     plan the default branch; the markdown goes to the drift issue
#   conclude  fail the action if an earlier step recorded a failure
#
# judgesync does the work; this script turns its exit codes into step outputs
# and files for the summary, the pull-request comment and the drift issue,
# which github-script steps of action.yml post. A failure is recorded, not
# raised, until `conclude`, so that the comment is posted first.
# Inputs arrive as ACTION_* variables, GitHub's as the usual GITHUB_* ones.
set -euo pipefail

PLAN_MARKER="<!-- judgesync-plan -->"
DRIFT_MARKER="<!-- judgesync-drift -->"
OUT="${RUNNER_TEMP:?}/judgesync"
mkdir -p "$OUT"

# Options shared by every judgesync command of this run.
options=()
if [ -n "${ACTION_TARGET:-}" ]; then options+=(--target "$ACTION_TARGET"); fi
if [ -n "${ACTION_API_URL:-}" ]; then options+=(--api-url "$ACTION_API_URL"); fi
directory=()
if [ -n "${ACTION_DIRECTORY:-}" ]; then directory=("$ACTION_DIRECTORY"); fi
# The commit a comment describes: a pull request's head, else the pushed commit.
commit="${HEAD_SHA:-$GITHUB_SHA}"

output() { echo "$1=$2" >>"$GITHUB_OUTPUT"; }
to_summary() { cat "$1" >>"$GITHUB_STEP_SUMMARY"; }
run_url() { echo "$GITHUB_SERVER_URL/$GITHUB_REPOSITORY/actions/runs/$GITHUB_RUN_ID"; }
footer() { printf "\n---\nCommit \`%s\` · [workflow run](%s)\n" "$commit" "$(run_url)"; }
fail() {
  echo "::error::$1"
  output failed "true"
}

# A file's text inside <pre>, HTML-escaped: it can neither close the block,
# nor format, nor mention anyone. At most 100 lines of 500 characters, so that
# a comment stays under GitHub's 65,536 characters; the log has everything.
preformatted() {
  local lines
  lines="$(wc -l <"$1")"
  echo "<pre>"
  head -n 100 "$1" | cut -c 1-500 |
    sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g' -e 's/@/\&#64;/g'
  if [ "$lines" -gt 100 ]; then echo "… and $((lines - 100)) more lines: see the log of the run."; fi
  echo "</pre>"
}

# Runs judgesync; stdout to $1, stderr to $1.err and then to the log (where
# workflow commands in it become annotations); the exit code to $code.
judgesync_to() {
  local into="$1"
  shift
  code=0
  judgesync "$@" >"$into" 2>"$into.err" || code=$?
  cat "$into.err"
}

# What the error output says, without the workflow-command lines.
messages() { grep -v '^::' "$1" || true; }

scope() {
  local watched=("${ACTION_DIRECTORY:-judges}" judgesync.yaml)
  if [ "$ACTION_COMMAND" != plan ] || [ -z "${BASE_SHA:-}" ]; then
    output run "true"
    return
  fi
  if ! git cat-file -e "$BASE_SHA^{commit}" 2>/dev/null; then
    git fetch --no-tags --quiet --depth=1 origin "$BASE_SHA" || true
  fi
  if ! git cat-file -e "$BASE_SHA^{commit}" 2>/dev/null; then
    echo "::notice::The base commit $BASE_SHA could not be fetched; planning anyway."
    output run "true"
  elif git diff --quiet "$BASE_SHA" HEAD -- "${watched[@]}"; then
    {
      echo "$PLAN_MARKER"
      echo "### judgesync plan"
      echo
      echo "No judge changes: neither \`${watched[0]}/\` nor \`judgesync.yaml\` differs from the base branch."
      footer
    } >"$OUT/comment.md"
    to_summary "$OUT/comment.md"
    echo "No judge changes; nothing to plan."
    output run "false"
    # An earlier plan comment would now be stale: update it, create none.
    output comment "$OUT/comment.md"
    output comment-mode "update"
  else
    output run "true"
  fi
}

# Returns 1 when the specs are invalid, having recorded the failure and its comment.
check_specs() {
  judgesync_to "$OUT/validate.out" validate --format github "${directory[@]}"
  cat "$OUT/validate.out"
  if [ "$code" -eq 0 ]; then
    return 0
  fi
  # An invalid judgesync.yaml is annotated on stderr too; the comment gets the plain lines.
  messages "$OUT/validate.out.err" >"$OUT/validate.txt"
  {
    echo "$PLAN_MARKER"
    echo "### judgesync: the specs are invalid"
    echo
    echo "Nothing was planned. Fix these problems and push again:"
    echo
    preformatted "$OUT/validate.txt"
    footer
  } >"$OUT/comment.md"
  to_summary "$OUT/comment.md"
  output comment "$OUT/comment.md"
  fail "The spec files are invalid; each problem is annotated on its file and line."
  return 1
}

validate() { check_specs || true; }

plan() {
  check_specs || return 0
  if [ "${IS_FORK:-false}" = true ]; then
    {
      echo "### judgesync plan skipped"
      echo
      echo "The specs are valid. A pull request from a fork gets no secrets, so it cannot"
      echo "be planned against the API here; a maintainer can plan it (docs/ci.md, Forks)."
    } >"$OUT/summary.md"
    to_summary "$OUT/summary.md"
    return 0
  fi
  judgesync_to "$OUT/plan.md" plan --format github --detailed-exitcode \
    --out "$OUT/plan.json" "${options[@]}" "${directory[@]}"
  output exitcode "$code"
  # 0: nothing to change; 2: changes pending, which is what a pull request is for.
  if [ "$code" -eq 0 ] || [ "$code" -eq 2 ]; then
    { cat "$OUT/plan.md"; footer; } >"$OUT/comment.md"
    output plan-file "$OUT/plan.json"
  else
    messages "$OUT/plan.md.err" >"$OUT/plan.txt"
    {
      echo "$PLAN_MARKER"
      echo "### judgesync plan failed"
      echo
      preformatted "$OUT/plan.txt"
      footer
    } >"$OUT/comment.md"
    fail "judgesync plan failed (exit $code); its error is above."
  fi
  to_summary "$OUT/comment.md"
  output comment "$OUT/comment.md"
}

# Is the commit of this run still the head of the default branch?
is_head() {
  local head
  head="$(git ls-remote origin "refs/heads/$DEFAULT_BRANCH" | cut -f1)" || return 1
  [ "$head" = "$GITHUB_SHA" ]
}

# Explains on the merged pull request (if any) what happened and what to do.
refuse() {
  local heading="$1" why="$2"
  {
    echo "### judgesync apply: $heading"
    echo
    echo "$why"
    echo
    echo "What to do: if the plan is out of date (the spec files or the remote judges"
    echo "changed since it was made), apply by hand: run the apply workflow on the"
    echo "default branch (Actions → Run workflow); it plans the current specs and applies"
    echo "that plan once a reviewer approves. Or open a pull request that brings the specs"
    echo "up to date: merging it applies its reviewed plan."
    footer
  } >"$OUT/refusal.md"
  to_summary "$OUT/refusal.md"
  if [ -n "${PR_NUMBER:-}" ]; then output comment "$OUT/refusal.md"; fi
  output comment-mode "new"
  fail "judgesync apply: $heading; see the job summary."
}

apply() {
  if ! is_head; then
    refuse "nothing was applied" "Commit \`$GITHUB_SHA\` is no longer the head of \`$DEFAULT_BRANCH\`. The apply run of the newer head applies its own reviewed plan only if that plan was made from spec files that include this change; check that run."
    return 0
  fi
  local plan_file="${ACTION_PLAN_FILE:-}"
  if [ -z "$plan_file" ] && [ -z "${PR_NUMBER:-}" ]; then
    direct_push
    return 0
  fi
  if [ -z "$plan_file" ]; then
    plan_file="$OUT/reviewed/plan.json"
    if [ ! -f "$plan_file" ]; then
      refuse "nothing was applied" "Pull request #$PR_NUMBER has no reviewed plan for its head commit \`$HEAD_SHA\`: ${NO_PLAN_REASON:-its plan artifact was not found}."
      return 0
    fi
  fi
  judgesync_to "$OUT/apply.md" apply --plan "$plan_file" --auto-approve --format github \
    "${options[@]}" "${directory[@]}"
  output exitcode "$code"
  cat "$OUT/apply.md"
  to_summary "$OUT/apply.md"
  if [ "$code" -eq 0 ]; then
    return 0
  fi
  messages "$OUT/apply.md.err" >"$OUT/apply.txt"
  # A refused plan changes nothing and reports no action; a failed action is in the report.
  local heading="nothing was applied"
  if grep -q '^\*\*Apply: ' "$OUT/apply.md"; then heading="it did not complete"; fi
  refuse "$heading" "$(
    echo "judgesync apply stopped (exit $code):"
    echo
    preformatted "$OUT/apply.txt"
    echo
    echo "The plan and the result of each action are in the job summary."
  )"
}

# A push that no reviewed pull request made: plan it, and leave applying to a person.
direct_push() {
  judgesync_to "$OUT/plan.md" plan --format github --detailed-exitcode \
    --out "$OUT/plan.json" "${options[@]}" "${directory[@]}"
  output exitcode "$code"
  if [ "$code" -ne 0 ] && [ "$code" -ne 2 ]; then
    fail "judgesync plan failed (exit $code); its error is above."
    return 0
  fi
  {
    echo "### Not applied: a direct push"
    echo
    echo "Commit \`$GITHUB_SHA\` did not come from a merged pull request, so no reviewed plan"
    echo "exists for it. To apply the plan below, run the apply workflow by hand on"
    echo "\`$DEFAULT_BRANCH\` (Actions → Run workflow); it applies after a reviewer approves."
    echo
    cat "$OUT/plan.md"
  } >"$OUT/summary.md"
  to_summary "$OUT/summary.md"
  if [ "$code" -eq 2 ]; then
    echo "::warning::Commit $GITHUB_SHA was pushed directly; its judge changes were planned, not applied. Run the apply workflow by hand to apply them."
  fi
}

drift() {
  judgesync_to "$OUT/drift.md" plan --format github --detailed-exitcode \
    --out "$OUT/drift.json" "${options[@]}" "${directory[@]}"
  output exitcode "$code"
  case "$code" in
    0)
      echo "No drift: the remote judges match the specs."
      output drifted "false"
      ;;
    2)
      {
        echo "$DRIFT_MARKER"
        echo "The remote judges differ from the default branch's specs. Apply again, or update"
        echo "the specs in a pull request; this issue closes once they match."
        echo
        cat "$OUT/drift.md"
        footer
      } >"$OUT/issue.md"
      to_summary "$OUT/issue.md"
      echo "::warning::The remote judges drifted from the specs; the plan is in the drift issue and the job summary."
      output drifted "true"
      output issue "$OUT/issue.md"
      ;;
    *) fail "judgesync plan failed (exit $code); its error is above." ;;
  esac
}

conclude() {
  if [ "${FAILED:-}" = true ]; then
    echo "judgesync $ACTION_COMMAND failed; the errors are annotated above and in the job summary."
    exit 1
  fi
}

case "${1:-}" in
  scope | validate | plan | apply | drift | conclude) "$1" ;;
  *)
    echo "usage: run.sh scope|validate|plan|apply|drift|conclude" >&2
    exit 1
    ;;
esac
