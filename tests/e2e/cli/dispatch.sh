#!/bin/bash
# The coco dispatcher and the conventions every tool shares, on the real binary: `coco X` runs coco-X (beside
# coco first, then on PATH), every tool in build/bin answers through `coco X --help`, unknown words get a
# suggestion and exit 2, exit codes and stdout write failures, `coco help`, `coco version`.
source "$(dirname "$0")/lib.sh"

# A fake tool on PATH and another beside a copy of coco: the one beside coco wins.
mkdir -p "$WORK/path" "$WORK/prefix/bin"
printf '#!/bin/sh\necho "on-path $*"\n' >"$WORK/path/coco-fake"
printf '#!/bin/sh\necho "beside $0 $*"\n' >"$WORK/prefix/bin/coco-fake"
chmod +x "$WORK/path/coco-fake" "$WORK/prefix/bin/coco-fake"
cp "$BIN/coco" "$WORK/prefix/bin/coco"

if run_coco 0 env PATH="$WORK/path:$PATH" "$BIN/coco" fake a "b c"; then
    [[ $out == "on-path a b c" ]] || fail "coco fake did not run coco-fake from PATH with its arguments: $out"
fi
if run_coco 0 env PATH="$WORK/path:$PATH" "$WORK/prefix/bin/coco" fake x; then
    [[ $out == "beside $WORK/prefix/bin/coco-fake x" ]] || fail "coco did not prefer the coco-fake beside it: $out"
fi
# Global options before the tool's name are passed on.
if run_coco 0 env PATH="$WORK/path:$PATH" "$BIN/coco" -o json fake y; then
    [[ $out == "on-path -o json y" ]] || fail "coco -o json fake y passed: $out"
fi

# Every tool of the build answers through coco as it does directly.
for tool in $(tools); do
    [[ $tool == coco ]] && continue
    run_coco 0 "$BIN/$tool" --help && direct=$out
    if run_coco 0 "$BIN/coco" "${tool#coco-}" --help; then
        [[ $out == "$direct" ]] || fail "coco ${tool#coco-} --help differs from $tool --help"
    fi
done

# Unknown words: a suggestion and exit 2.
if run_coco 2 "$BIN/coco" verison; then
    [[ $err == *"error: 'verison' is not a coco command"* ]] || fail "unexpected error text: $err"
    [[ $err == *"hint: did you mean 'version'?"* ]] || fail "no suggestion for verison: $err"
fi
if run_coco 2 "$BIN/coco" encrpyt; then
    [[ $err == *"did you mean 'encrypt'?"* ]] || fail "no suggestion for encrpyt: $err"
fi
if run_coco 2 "$BIN/coco" version --shrot; then
    [[ $err == *"unknown option '--shrot'"*"did you mean '--short'?"*"Run 'coco version --help' for usage."* ]] ||
        fail "unexpected error text: $err"
fi
run_coco 2 "$BIN/coco" completion tcsh
run_coco 2 "$BIN/coco" -o yaml version

# Help goes to stdout with exit 0; the error stream stays empty.
if run_coco 0 "$BIN/coco" --help; then
    [[ $out == *"Commands:"* && $out == *"kbs"* && -z $err ]] || fail "coco --help: $out / $err"
fi

# A write failure on stdout is an error (git's run_builtin), not a silent success.
"$BIN/coco" version >/dev/full 2>"$WORK/err"
rc=$?
[[ $rc == 1 ]] || fail "coco version >/dev/full exited $rc"
grep -q "error: .*standard output" "$WORK/err" || fail "no write error reported: $(cat "$WORK/err")"
# A reader that goes away is not an error.
"$BIN/coco" env | head -c1 >/dev/null
rc=${PIPESTATUS[0]}
[[ $rc == 0 || $rc == 141 ]] || fail "coco env | head exited $rc"

# version: text and exactly one JSON document.
if run_coco 0 "$BIN/coco" version; then
    [[ $out == "coco "*"(commit "*")"* && $out == *OpenSSL* && $out == *libsodium* ]] || fail "coco version: $out"
fi
if run_coco 0 "$BIN/coco" version -o json; then
    jq -e '.version and .commit and .libraries.OpenSSL and .libraries.SQLite' <<<"$out" >/dev/null ||
        fail "coco version -o json: $out"
fi
COCO_OUTPUT=json run_coco 0 "$BIN/coco" version --short && { jq -e .version <<<"$out" >/dev/null || fail "COCO_OUTPUT=json ignored: $out"; }

# help: the generated page through man (plain text when stdout is not a terminal).
if run_coco 0 "$BIN/coco" help version; then
    [[ $out == *"EXIT STATUS"* && $out == *"--short"* ]] || fail "coco help version did not show the page: $out"
fi
if run_coco 0 "$BIN/coco" help; then
    [[ $out == *"TOOLS"* ]] || fail "coco help did not show coco(1): $out"
fi
# Without man, the command's --help.
mkdir -p "$WORK/noman"
for cmd in bash sh env dirname cat; do ln -sf "$(command -v $cmd)" "$WORK/noman/$cmd"; done
if run_coco 0 env PATH="$WORK/noman" "$BIN/coco" help version; then
    [[ $out == *"--short"* && $out == *"Usage:"* ]] || fail "coco help without man did not fall back to --help: $out"
fi
run_coco 2 "$BIN/coco" help nosuchtool

# completion prints a script that parses.
run_coco 0 "$BIN/coco" completion bash && { bash -n <<<"$out" || fail "coco completion bash does not parse"; }
run_coco 0 "$BIN/coco" completion zsh && { zsh -n <<<"$out" || fail "coco completion zsh does not parse"; }
run_coco 0 "$BIN/coco" completion fish && { fish --no-execute <<<"$out" || fail "coco completion fish does not parse"; }

# env lists the table, masking nothing that is not sensitive.
if COCO_OUTPUT=text run_coco 0 "$BIN/coco" env -o json; then
    [[ $(jq -r '.[] | select(.name == "COCO_OUTPUT") | .value' <<<"$out") == text ]] || fail "coco env: $out"
fi

finish
