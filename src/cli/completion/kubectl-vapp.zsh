#compdef kubectl-vapp
# zsh completion for kubectl-vapp. Load it with:  source <(kubectl-vapp completion zsh)
# It asks the plugin what may come next (kubectl-vapp __complete WORDS..., cobra's protocol:
# one "value<TAB>description" per line, then ":<directive>"), so it never goes stale.
_kubectl_vapp() {
  local out directive=0 c value
  local -a lines described
  out=$(${words[1]} __complete "${(@)words[2,CURRENT]}" 2>/dev/null) || return 1
  lines=("${(@f)out}")
  if [[ ${lines[-1]} == :* ]]; then
    directive=${lines[-1]#:}
    lines=("${(@)lines[1,-2]}")
  fi
  for c in "${lines[@]}"; do
    [[ -z $c ]] && continue
    value=${c%%$'\t'*}
    value=${value//:/\\:}
    if [[ $c == *$'\t'* ]]; then
      described+=("$value:${c#*$'\t'}")
    else
      described+=("$value")
    fi
  done
  # Directive bit 4 (NoFileComp): no file names when nothing matched.
  if ((${#described} == 0 && (directive & 4) == 0)); then
    _files
    return
  fi
  _describe 'kubectl vapp' described
}
if (($+functions[compdef])); then
  compdef _kubectl_vapp kubectl-vapp
fi
