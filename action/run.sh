#!/usr/bin/env bash
# The shell steps of the judgesync action (action.yml): `run.sh STEP`.
#
#   scope     plan or apply: skip everything when no file a plan reads changed
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
#
# The log: judge text (specs, the remote, so judgesync's output) may hold lines
# a runner takes for workflow commands (`::set-output …`, or `##[…]` anywhere
# in a line). So judgesync's output reaches the log only between
# `::stop-commands::TOKEN` and `::TOKEN::`, with a token drawn afresh for each
# step, and only its own annotations are printed outside: at most 9, then one
# that counts the rest (GitHub shows 10 per step). Plans and reports go to the
# job summary and to files under $RUNNER_TEMP/judgesync/, never to the log.
# This script prints to stdout only, in order: the runner reads stdout and
# stderr concurrently, so their lines may interleave.
set -euo pipefail

PLAN_MARKER="<!-- judgesync-plan -->"
DRIFT_MARKER="<!-- judgesync-drift -->"
OUT="${RUNNER_TEMP:?}/judgesync"
mkdir -p "$OUT"
# 128 random bits: no text can guess it, and the runner masks it in the log.
STOP_TOKEN="judgesync-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
# judgesync's annotations (`--format github`); a carriage return would start a new
# line for the runner, so a line holding one is text.
ANNOTATION=$'^::(error|warning|notice)( [^:\r]*)?::[^\r]*$'
ANNOTATIONS_SHOWN=9
annotations=0

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

# The annotations of this step that were not shown, counted once in the last one.
not_shown() {
  local more=$((annotations - ANNOTATIONS_SHOWN))
  if [ "$more" -gt 0 ]; then
    echo " $more more annotation(s) not shown (a step shows 10); the log and the job summary have them all."
  fi
}
fail() {
  echo "::error::$1$(not_shown)"
  annotations=0 # the count is told: `finish` adds nothing
  output failed "true"
}
finish() {
  local more
  more="$(not_shown)"
  if [ -n "$more" ]; then echo "::warning::${more# }"; fi
}

# Text that may hold judge text, to the log with workflow commands off.
quoted() {
  if [ -s "$1" ]; then
    echo "::stop-commands::$STOP_TOKEN"
    cat "$1"
    # The resume token must start a line of its own.
    if [ -n "$(tail -c 1 "$1")" ]; then echo; fi
    echo "::$STOP_TOKEN::"
  fi
}

# judgesync's output (files) to the log: its text quoted, then its own annotations.
# grep -a: judge text may hold bytes for which grep would call a file binary.
to_log() {
  local line
  { grep -ahEv "$ANNOTATION" "$@" || true; } >"$OUT/log.txt"
  quoted "$OUT/log.txt"
  while IFS= read -r line; do
    annotations=$((annotations + 1))
    if [ "$annotations" -le "$ANNOTATIONS_SHOWN" ]; then echo "$line"; fi
  done < <(grep -ahE "$ANNOTATION" "$@" || true)
}

# A file's text inside <pre>, HTML-escaped: it can neither close the block, nor
# format, nor mention anyone. Escaped first, then cut to 100 lines of at most 500
# bytes (no entity or UTF-8 character split), so that a comment stays well under
# GitHub's 65,536 characters; the log and the summary have everything.
preformatted() {
  local lines
  lines="$(wc -l <"$1")"
  echo "<pre>"
  head -n 100 "$1" | LC_ALL=C sed -E \
    -e 's/&/\&amp;/g; s/</\&lt;/g; s/>/\&gt;/g; s/@/\&#64;/g' \
    -e 's/^(.{500}).+$/\1\x01/' \
    -e 's/&[#a-z0-9]{0,4}\x01$/\x01/' \
    -e 's/([\xc0-\xdf]|[\xe0-\xef][\x80-\xbf]?|[\xf0-\xf7][\x80-\xbf]{0,2})\x01$/\x01/' \
    -e 's/\x01$/…/'
  if [ "$lines" -gt 100 ]; then echo "… and $((lines - 100)) more lines: see the log of the run."; fi
  echo "</pre>"
}

# Runs judgesync; stdout to $1, stderr to $1.err; the exit code to $code.
judgesync_to() {
  local into="$1"
  shift
  code=0
  judgesync "$@" >"$into" 2>"$into.err" || code=$?
}

# What the error output says, without the workflow-command lines.
messages() { grep -aEv "$ANNOTATION" "$1" || true; }

# Which commit to compare with, when the event says: the pull request's base, the
# merge queue's base, or the commit before a push (all zeros for a new branch).
scope() {
  if [ "$ACTION_COMMAND" != plan ] && { [ "$ACTION_COMMAND" != apply ] || [ -n "${ACTION_PLAN_FILE:-}" ]; }; then
    output run "true"
    return
  fi
  if [ "$ACTION_COMMAND" = plan ] && [ -n "${HEAD_SHA:-}" ] && git cat-file -e "HEAD^2" 2>/dev/null &&
    [ "$(git rev-parse "HEAD^2")" != "$HEAD_SHA" ]; then
    # A re-run of an older run checks out GitHub's current merge of a newer head.
    echo "::notice::The pull request's head is now $(git rev-parse "HEAD^2"), not $HEAD_SHA as when this run started; the run for the new head plans it."
    output run "false"
    return
  fi
  if [ -z "${BASE_SHA:-}" ] || [ -z "${BASE_SHA//0/}" ]; then
    output run "true"
    return
  fi
  if ! git cat-file -e "$BASE_SHA^{commit}" 2>/dev/null; then
    git fetch --no-tags --quiet --depth=1 origin "$BASE_SHA" || true
  fi
  if ! git cat-file -e "$BASE_SHA^{commit}" 2>/dev/null; then
    echo "::notice::The base commit $BASE_SHA could not be fetched; going on as if the judges changed."
    output run "true"
    return
  fi
  # judgesync says what a plan reads: the spec directory, judgesync.yaml, prompt files.
  local inputs=()
  if ! judgesync validate --print-inputs "${directory[@]}" >"$OUT/inputs.txt" 2>"$OUT/inputs.err"; then
    echo "::notice::The files a plan reads could not be listed; going on as if the judges changed."
    output run "true"
    return
  fi
  mapfile -t inputs <"$OUT/inputs.txt"
  echo "The files a plan reads:"
  quoted "$OUT/inputs.txt"
  # judgesync.yaml always: a change that deletes it is a change.
  local changed=0
  git --literal-pathspecs diff --quiet "$BASE_SHA" HEAD -- judgesync.yaml "${inputs[@]}" \
    2>"$OUT/diff.err" || changed=$?
  if [ "$changed" -eq 1 ]; then
    output run "true"
    return
  elif [ "$changed" -ne 0 ]; then
    # Not git's error in the log: it quotes paths, which come from the specs.
    echo "::notice::git could not compare $BASE_SHA with this commit; going on as if the judges changed."
    output run "true"
    return
  fi
  output run "false"
  if [ "$ACTION_COMMAND" = apply ]; then
    echo "No judge changes in this push; nothing to apply."
    echo "### judgesync apply: no judge changes, nothing to apply" >>"$GITHUB_STEP_SUMMARY"
    return
  fi
  {
    echo "$PLAN_MARKER"
    echo "### judgesync plan"
    echo
    echo "No judge changes: no file a plan reads (the spec directory, \`judgesync.yaml\`, the prompt files) differs from the base branch."
    footer
  } >"$OUT/comment.md"
  to_summary "$OUT/comment.md"
  echo "No judge changes; nothing to plan."
  # An earlier plan comment would now be stale: update it, create none.
  output comment "$OUT/comment.md"
  output comment-mode "update"
}

# Returns 1 when the specs are invalid, having recorded the failure and its comment.
check_specs() {
  judgesync_to "$OUT/validate.out" validate --format github "${directory[@]}"
  to_log "$OUT/validate.out" "$OUT/validate.out.err"
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
    echo "::notice::The specs are valid; the plan is skipped: a pull request from a fork gets no secrets (docs/ci.md, Forks)."
    return 0
  fi
  local replay=()
  # judgesync.yaml's traffic selectors apply to a replay without further flags.
  if [ "${ACTION_REPLAY:-false}" = true ]; then replay=(--replay); fi
  judgesync_to "$OUT/plan.md" plan --format github --detailed-exitcode \
    --out "$OUT/plan.json" "${replay[@]}" "${options[@]}" "${directory[@]}"
  to_log "$OUT/plan.md.err"
  output exitcode "$code"
  # 0: nothing to change; 2: changes pending, which is what a pull request is for.
  if [ "$code" -eq 0 ] || [ "$code" -eq 2 ]; then
    { cat "$OUT/plan.md"; footer; } >"$OUT/comment.md"
    output plan-file "$OUT/plan.json"
    echo "judgesync plan: exit $code; the plan is in the job summary."
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

# The commit at the head of the default branch, or nothing when it cannot be read.
branch_head() { git ls-remote --exit-code origin "refs/heads/$DEFAULT_BRANCH" | cut -f1; }

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
  # What this commit's specs would change now: nothing means already applied (the
  # run of this merge's other event, or by hand), and there is nothing to do.
  judgesync_to "$OUT/current.md" plan --format github --detailed-exitcode \
    "${options[@]}" "${directory[@]}"
  to_log "$OUT/current.md.err"
  if [ "$code" -eq 0 ]; then
    echo "Nothing to apply: the remote judges already match the specs of $GITHUB_SHA."
    echo "### judgesync apply: the remote judges already match the specs, nothing to apply" >>"$GITHUB_STEP_SUMMARY"
    return 0
  fi
  local head
  if ! head="$(branch_head)" || [ -z "$head" ]; then
    refuse "nothing was applied" "The head of \`$DEFAULT_BRANCH\` could not be read (\`git ls-remote origin\` failed; its error is in the log), so it is not known whether commit \`$GITHUB_SHA\` is still the head. The checkout must keep its credentials (actions/checkout's default \`persist-credentials: true\`)."
    return 0
  fi
  if [ "$head" != "$GITHUB_SHA" ]; then
    if [ "${GITHUB_EVENT_NAME:-}" = pull_request ]; then
      # The backstop run of a merge that newer pushes superseded: their runs apply.
      echo "::notice::Commit $GITHUB_SHA is no longer the head of $DEFAULT_BRANCH; the apply runs of the newer commits decide."
      return 0
    fi
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
  to_log "$OUT/apply.md.err"
  output exitcode "$code"
  to_summary "$OUT/apply.md"
  echo "judgesync apply: exit $code; the report is in the job summary."
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

# A push that no reviewed pull request made, planned by `apply` above: show the plan,
# and leave applying to a person.
direct_push() {
  output exitcode "$code"
  if [ "$code" -ne 2 ]; then
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
    cat "$OUT/current.md"
  } >"$OUT/summary.md"
  to_summary "$OUT/summary.md"
  echo "::warning::Commit $GITHUB_SHA was pushed directly; its judge changes were planned, not applied. Run the apply workflow by hand to apply them."
}

drift() {
  judgesync_to "$OUT/drift.md" plan --format github --detailed-exitcode \
    --out "$OUT/drift.json" "${options[@]}" "${directory[@]}"
  to_log "$OUT/drift.md.err"
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
    *)
      # An error (an expired key, the API down) must not leave the drift check silent.
      messages "$OUT/drift.md.err" >"$OUT/drift.txt"
      {
        echo "$DRIFT_MARKER"
        echo "### judgesync: the drift check failed"
        echo
        echo "The daily plan of the default branch stopped (exit $code), so drift is not known."
        echo "Fix the cause (an expired or revoked key, an unreachable API) and run the drift"
        echo "workflow again (Actions → judges-drift → Run workflow):"
        echo
        preformatted "$OUT/drift.txt"
        footer
      } >"$OUT/drift-error.md"
      to_summary "$OUT/drift-error.md"
      output drift-error "$OUT/drift-error.md"
      fail "judgesync plan failed (exit $code); its error is above and in the drift issue."
      ;;
  esac
}

conclude() {
  if [ "${FAILED:-}" = true ]; then
    echo "judgesync $ACTION_COMMAND failed; the errors are annotated above and in the job summary."
    exit 1
  fi
}

case "${1:-}" in
  scope | validate | plan | apply | drift | conclude)
    "$1"
    finish
    ;;
  *)
    echo "usage: run.sh scope|validate|plan|apply|drift|conclude" >&2
    exit 1
    ;;
esac
