#!/bin/sh
# Validates the Kubernetes manifests offline (docs/kubernetes.md, "Validation"):
#   1. renders k8s/, k8s/check-job/ and k8s/overlays/tcp-probes/ with `kubectl kustomize` (no cluster needed),
#      and takes the scenario manifests `troupe k8s --manifests` prints (k8s/chaos/testdata);
#   2. checks every rendered object against the Kubernetes schemas (npm: kubernetes-models,
#      @kubernetes-models/validate) and runs the cross-reference lint (k8s/validate/lint.js),
#      and checks k8s/Containerfile against the manifests (k8s/validate/containerfile.js);
#   3. self-test: the lint's unit tests (node --test) and every broken overlay in
#      k8s/validate/testdata/broken-*/ must fail validation with its expected message.
# Needs kubectl (any version from 1.20, Debian's kubernetes-client) and node >= 18 with npm.
# Usage: k8s/validate.sh [--no-self-test]     Exit 0: all valid; 1: a problem; 2: missing tools.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
KUBECTL=${KUBECTL:-kubectl}
self_test=1
[ "${1:-}" = "--no-self-test" ] && self_test=0

for tool in "$KUBECTL" node npm; do
  command -v "$tool" >/dev/null 2>&1 || { echo "validate.sh: $tool not found" >&2; exit 2; }
done

if [ ! -d "$here/validate/node_modules/kubernetes-models" ]; then
  echo "== npm ci (k8s/validate)"
  (cd "$here/validate" && npm ci --no-audit --no-fund --loglevel=error)
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
passed=0
failed=0
pass() { passed=$((passed + 1)); echo "ok: $*"; }
fail() { failed=$((failed + 1)); echo "FAILED: $*"; }

# render DIR OUT: kustomize offline; deprecation warnings of newer kustomize go to a log.
render() {
  if "$KUBECTL" kustomize "$1" >"$2" 2>"$2.log"; then return 0; fi
  cat "$2.log" >&2
  return 1
}

echo "== kubectl kustomize ($("$KUBECTL" version --client 2>/dev/null | head -n 1))"
for dir in "$here" "$here/check-job" "$here/overlays/tcp-probes"; do
  name=$(basename "$dir")
  if render "$dir" "$work/$name.yaml"; then
    pass "kubectl kustomize $dir"
  else
    fail "kubectl kustomize $dir"
  fi
done

echo "== schema validation and cross-reference lint"
for name in k8s check-job tcp-probes; do
  [ -s "$work/$name.yaml" ] || continue
  if node "$here/validate/validate.js" "$work/$name.yaml"; then
    pass "valid: $name"
  else
    fail "valid: $name"
  fi
done

# What `troupe k8s SCENARIO --manifests` prints (golden files; troupe_k8s_script_test checks
# that the generator still prints exactly these).
echo "== troupe k8s: a scenario's manifests (k8s/chaos/testdata)"
for file in "$here"/chaos/testdata/*.manifests.yaml; do
  if node "$here/validate/validate.js" "$file"; then
    pass "valid: $(basename "$file")"
  else
    fail "valid: $(basename "$file")"
  fi
done

echo "== Containerfile against the manifests"
if node "$here/validate/containerfile.js" "$here/Containerfile" "$here/.." \
     "$work/k8s.yaml" "$work/check-job.yaml" "$work/tcp-probes.yaml" \
     "$here"/chaos/testdata/*.manifests.yaml; then
  pass "Containerfile: exec-form ENTRYPOINT, EXPOSEd ports, installed programs, scenarios"
else
  fail "Containerfile against the manifests"
fi

if [ "$self_test" = 1 ]; then
  echo "== self-test: lint and Containerfile unit tests"
  if TROUPE_RENDERED="$work/k8s.yaml" TROUPE_RENDERED_JOB="$work/check-job.yaml" \
       node --test "$here/validate/test/" >"$work/node-test.log" 2>&1; then
    pass "unit tests ($(grep -E '^# pass' "$work/node-test.log" | sed 's/# //'))"
  else
    cat "$work/node-test.log"
    fail "unit tests"
  fi

  echo "== self-test: broken manifests must fail"
  for dir in "$here"/validate/testdata/broken-*/; do
    dir=${dir%/}
    name=$(basename "$dir")
    expected=$(sed -n 's/^# .*expects validation to fail with: //p' "$dir/kustomization.yaml")
    if ! render "$dir" "$work/$name.yaml"; then
      fail "$name: does not render"
      continue
    fi
    if node "$here/validate/validate.js" "$work/$name.yaml" >"$work/$name.out" 2>&1; then
      fail "$name: passed validation"
    elif [ -n "$expected" ] && ! grep -qF -- "$expected" "$work/$name.out"; then
      cat "$work/$name.out"
      fail "$name: failed, but without '$expected'"
    else
      pass "$name: rejected ($(head -n 1 "$work/$name.out" | sed 's/^[^:]*: //'))"
    fi
  done
fi

echo "validate: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
