#!/bin/bash
# `cmake --install` puts the tools, their generated man pages and completion scripts where man and the shells
# look for them, and an installed coco finds its pages beside itself.
source "$(dirname "$0")/lib.sh"

prefix="$WORK/prefix"
cmake --install "$COCO_BUILD_DIR" --prefix "$prefix" >"$WORK/install.log" 2>&1 || {
    fail "cmake --install failed: $(tail -5 "$WORK/install.log")"
    finish
}
for tool in $(tools); do
    [[ -x $prefix/bin/$tool ]] || fail "$tool is not installed in bin"
    [[ -f $prefix/share/man/man1/$tool.1 ]] || fail "$tool.1 is not installed"
    [[ -f $prefix/share/bash-completion/completions/$tool ]] || fail "the bash completion of $tool is not installed"
    [[ -f $prefix/share/zsh/site-functions/_${tool//-/_} ]] || fail "the zsh completion of $tool is not installed"
    [[ -f $prefix/share/fish/vendor_completions.d/$tool.fish ]] || fail "the fish completion of $tool is not installed"
done
[[ -f $prefix/share/man/man7/coco.7 ]] || fail "coco.7 is not installed"
# The installed coco shows the installed page (MANPATH cannot point at the build tree here).
if run_coco 0 env MANPATH=/nonexistent "$prefix/bin/coco" help version; then
    [[ $out == *"EXIT STATUS"* ]] || fail "the installed coco did not show its page: $out"
fi

finish
