#!/bin/bash
# For every tool in build/bin and every command path its --list-commands prints (and the tool itself):
#   -h prints the help on stdout, nothing on stderr, exit 0;
#   the man page exists, names every option the help shows, and passes `mandoc -T lint -W warning` (warnings,
#   errors and unsupported constructs fail the test; STYLE messages, such as a long source line, are printed
#   only);
#   the bash, zsh and fish completion scripts exist and parse, and `__complete PATH... -` offers every option
#   the help shows.
source "$(dirname "$0")/lib.sh"

mapfile -t all_tools < <(tools)
((${#all_tools[@]} > 0)) || { echo "no tools in $BIN" >&2; exit 1; }

for tool in "${all_tools[@]}"; do
    run_coco 0 "$BIN/$tool" --list-commands || continue
    mapfile -t paths < <(printf '\n%s\n' "$out" | sed '1d')
    paths=("" "${paths[@]}")
    for path in "${paths[@]}"; do
        read -r -a words <<<"$path"
        page="$tool${path:+-${path// /-}}"
        name="$tool${path:+ $path}"

        if run_coco 0 "$BIN/$tool" "${words[@]}" -h; then
            [[ -n $out ]] || fail "$name -h printed nothing on stdout"
            [[ -z $err ]] || fail "$name -h wrote to stderr: $err"
        fi
        help=$out
        # The long options the help lists (the first word of an option line, as "-x,--long" or "--long").
        mapfile -t options < <(grep -E '^ +(-[a-zA-Z],)?--[a-z]' <<<"$help" | sed -E 's/^ +(-[a-zA-Z],)?(--[a-z0-9-]+).*/\2/' | sort -u)

        man="$SHARE/man/man1/$page.1"
        if [[ ! -f $man ]]; then
            fail "$name has no man page ($man)"
        else
            lint=$(mandoc -T lint -W warning "$man" 2>&1) || fail "$page.1 fails mandoc -T lint: $lint"
            mandoc -T lint -W style "$man" 2>&1 | sed 's/^/note: /' >&2
            text=$(mandoc -T utf8 "$man" 2>/dev/null | col -b)
            for section in NAME SYNOPSIS DESCRIPTION OPTIONS "GLOBAL OPTIONS" ENVIRONMENT "EXIT STATUS" "SEE ALSO"; do
                grep -q "^$section" <<<"$text" || fail "$page.1 has no $section section"
            done
            for opt in "${options[@]}"; do
                grep -qe "$opt" <<<"$text" || fail "$page.1 does not document $opt"
            done
        fi

        zfunc="_${tool//-/_}"
        for f in "$SHARE/bash-completion/completions/$tool" "$SHARE/zsh/site-functions/$zfunc" \
                 "$SHARE/fish/vendor_completions.d/$tool.fish"; do
            [[ -f $f ]] || fail "$name has no completion script $f"
        done

        if run_coco 0 "$BIN/$tool" __complete "${words[@]}" -; then
            [[ $out == *$'\n':4 || $out == :4 ]] || fail "$name: __complete did not end with :4: $out"
            for opt in "${options[@]}" --output --verbose; do
                grep -q -- "^$opt"$'\t' <<<"$out" || grep -qx -- "$opt" <<<"$out" ||
                    fail "$name: __complete does not offer $opt"
            done
        fi
    done

    bash -n "$SHARE/bash-completion/completions/$tool" || fail "$tool: the bash completion does not parse"
    zsh -n "$SHARE/zsh/site-functions/_${tool//-/_}" || fail "$tool: the zsh completion does not parse"
    fish --no-execute "$SHARE/fish/vendor_completions.d/$tool.fish" || fail "$tool: the fish completion does not parse"
done

[[ -f $SHARE/man/man7/coco.7 ]] || fail "coco.7 is not in $SHARE/man/man7"
lint=$(mandoc -T lint -W warning "$SHARE/man/man7/coco.7" 2>&1) || fail "coco.7 fails mandoc -T lint: $lint"

finish
