#!/bin/bash
# The generated completion scripts, driven as the shells drive them: bash through COMP_WORDS, fish through
# `complete --do-complete`, zsh by loading the function (zsh's completion system needs a terminal to run).
source "$(dirname "$0")/lib.sh"

export PATH="$BIN:$PATH"

# bash: source the generated script (bash-completion's helpers loaded when installed) and complete.
bash_complete() {
    bash -c '
        [[ -f /usr/share/bash-completion/bash_completion ]] && source /usr/share/bash-completion/bash_completion
        source "$1"; shift
        COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
        COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
        _coco
        printf "%s\n" "${COMPREPLY[@]}"
    ' bash "$SHARE/bash-completion/completions/coco" "$@"
}
got=$(bash_complete coco ver)
[[ $got == *version* && $got == *verify* ]] || fail "bash: coco ver<TAB> gave: $got"
got=$(bash_complete coco version --s)
[[ $got == "--short" ]] || fail "bash: coco version --s<TAB> gave: $got"
got=$(bash_complete coco -o "")
[[ $got == $'text\njson' ]] || fail "bash: coco -o <TAB> gave: $got"
got=$(bash_complete coco completion "")
[[ $got == $'bash\nzsh\nfish' ]] || fail "bash: coco completion <TAB> gave: $got"

# fish: load the generated script and ask for completions.
fish_complete() {
    fish --no-config -c "source $SHARE/fish/vendor_completions.d/coco.fish; complete --do-complete '$1'"
}
got=$(fish_complete "coco vers")
[[ $got == version* ]] || fail "fish: coco vers<TAB> gave: $got"
got=$(fish_complete "coco version --")
[[ $got == *"--short"* && $got == *"--output"* ]] || fail "fish: coco version --<TAB> gave: $got"

# zsh: the script defines its function, and the function asks coco.
zsh -f -c "autoload -Uz compinit && compinit -u -d $WORK/zcompdump; fpath=($SHARE/zsh/site-functions \$fpath); autoload -Uz _coco; source $SHARE/zsh/site-functions/_coco; (( \$+functions[_coco] ))" ||
    fail "zsh: sourcing the completion did not define _coco"

# coco delegates completion of a tool's words to the tool.
mkdir -p "$WORK/bin"
printf '#!/bin/sh\n[ "$1" = __complete ] && { echo "sub-$2"; echo ":4"; }\n' >"$WORK/bin/coco-fake"
chmod +x "$WORK/bin/coco-fake"
if run_coco 0 env PATH="$WORK/bin:$PATH" coco __complete fake x; then
    [[ $out == $'sub-x\n:4' ]] || fail "coco __complete fake x was not delegated: $out"
fi

finish
