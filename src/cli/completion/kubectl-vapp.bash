# bash completion for kubectl-vapp. Load it with:  source <(kubectl-vapp completion bash)
# It asks the plugin what may come next (kubectl-vapp __complete WORDS..., cobra's protocol:
# one "value<TAB>description" per line, then ":<directive>"), so it never goes stale.
_kubectl_vapp() {
  local cur=${COMP_WORDS[COMP_CWORD]} out line directive=0
  local -a lines
  out=$("${COMP_WORDS[0]}" __complete "${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null) || return 0
  mapfile -t lines <<<"$out"
  line=${lines[-1]}
  if [[ $line == :* ]]; then
    directive=${line#:}
    unset 'lines[-1]'
  fi
  COMPREPLY=()
  for line in "${lines[@]}"; do
    [[ -n $line ]] && COMPREPLY+=("${line%%$'\t'*}")
  done
  # Directive bit 4 (NoFileComp): no file names when nothing matched.
  if ((${#COMPREPLY[@]} == 0 && (directive & 4) == 0)); then
    mapfile -t COMPREPLY < <(compgen -f -- "$cur")
  fi
  return 0
}
complete -F _kubectl_vapp kubectl-vapp
