# bash completion for cokernel(8): commands, their options, enclave ids from /proc/cokernel, files after run.
_cokernel_ids() {
    [ -r /proc/cokernel ] && awk 'NR > 1 {print $1}' /proc/cokernel
}

_cokernel() {
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]} cmd=${COMP_WORDS[1]:-} opts=""
    if [ "$COMP_CWORD" -eq 1 ]; then
        mapfile -t COMPREPLY < <(compgen -W "topo create list console ping run destroy xemem --help --version" -- "$cur")
        return
    fi
    case "$prev" in
    --enclave) mapfile -t COMPREPLY < <(compgen -W "$(_cokernel_ids)" -- "$cur"); return ;;
    --image) mapfile -t COMPREPLY < <(compgen -f -- "$cur"); return ;;
    --user) mapfile -t COMPREPLY < <(compgen -u -- "$cur"); return ;;
    esac
    case "$cmd" in
    topo | list) opts="--json --help" ;;
    create) opts="--cpus --ncpus --mem --numa --image --cmdline --no-boot --help" ;;
    console) opts="-f --help $(_cokernel_ids)" ;;
    ping) opts="-c --help $(_cokernel_ids)" ;;
    destroy) opts="--all --help $(_cokernel_ids)" ;;
    xemem) opts="list stats --json --help" ;;
    run)
        if [[ $cur == -* ]]; then
            opts="--enclave --ncpus --mem --user --delegate --deny --stats --syscall-stats --wait --help"
        else
            mapfile -t COMPREPLY < <(compgen -f -- "$cur")
            return
        fi
        ;;
    esac
    mapfile -t COMPREPLY < <(compgen -W "$opts" -- "$cur")
}
complete -F _cokernel cokernel
