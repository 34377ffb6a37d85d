#!/usr/bin/env bash
# Commit only the given paths, serialized with every other committer in this work tree.
# usage: tools/dev/commit.sh "message" path [path ...]
set -euo pipefail
msg=$1; shift
cd "$(git rev-parse --show-toplevel)"
exec 9>/tmp/swe-flow-git.lock
flock 9
git add -- "$@"
git commit -q -m "$msg" -- "$@"
git log --oneline -1
