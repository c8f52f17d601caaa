# Bash completion of vzctl, vzlist and vzubc: this engine, then the data the tool printed about itself at build
# time (src/cli/completion.hpp, cmake/completion.cmake). Plain bash 4.3: complete -F, COMP_WORDS, COMP_CWORD,
# COMP_LINE, COMP_POINT and COMPREPLY; the bash-completion package is not needed.

# The global config directory when VZ_CONFDIR is not set (the build's VZ_CONFDIR).
_vz_default_confdir='@VZ_CONFDIR@'

# What the data functions hand back.
_vz_opts() { _vz_o=("$@"); }
_vz_values() {
    _vz_v_flags=$1 _vz_v_sep=$2 _vz_v_prefix=$3
    shift 3
    _vz_v_items=("$@")
}

# The words of the command line as typed: bash also splits at the = and : of COMP_WORDBREAKS (--layout=ploop:raw is
# five of its words), so words with no blank between them are joined again. Sets _vz_w and _vz_cw.
_vz_words() {
    _vz_w=() _vz_cw=0
    if [[ -z ${COMP_LINE+set} ]]; then
        _vz_w=("${COMP_WORDS[@]}") _vz_cw=$COMP_CWORD
        return
    fi
    local i p=0 w apart
    for ((i = 0; i < ${#COMP_WORDS[@]}; i++)); do
        w=${COMP_WORDS[i]} apart=0
        while ((p < ${#COMP_LINE})) && [[ ${COMP_LINE:p:1} == [[:space:]] ]]; do
            p=$((p + 1)) apart=1
        done
        if ((i == 0 || apart)); then _vz_w+=("$w"); else _vz_w[-1]+=$w; fi
        p=$((p + ${#w}))
        ((i == COMP_CWORD)) && _vz_cw=$((${#_vz_w[@]} - 1))
    done
}

# KEY's value in vz.conf, unquoted, in _vz_val.
_vz_conf_value() {
    _vz_val=
    local line conf=${VZ_CONFDIR:-$_vz_default_confdir}/vz.conf
    [[ -r $conf ]] || return 0
    while IFS= read -r line || [[ -n $line ]]; do
        [[ $line =~ ^[[:space:]]*$1=(.*)$ ]] && _vz_val=${BASH_REMATCH[1]}
    done <"$conf"
    _vz_val=${_vz_val%%[[:space:]]}
    [[ $_vz_val == \"*\" || $_vz_val == \'*\' ]] && _vz_val=${_vz_val:1:${#_vz_val}-2}
}

# The words a glob of the data stands for (its *), added to _vz_cand.
_vz_glob() {
    local pat=$1 head tail f w
    if [[ $pat =~ ^\$\{([A-Za-z_][A-Za-z0-9_]*)\}(.*)$ ]]; then
        pat=${BASH_REMATCH[2]}
        if [[ ${BASH_REMATCH[1]} == VZ_CONFDIR ]]; then
            _vz_val=${VZ_CONFDIR:-$_vz_default_confdir}
        else
            _vz_conf_value "${BASH_REMATCH[1]}"
        fi
        [[ -n $_vz_val ]] || return 0
        pat=$_vz_val$pat
    fi
    head=${pat%%\**} tail=${pat#*\*}
    for f in "$head"*"$tail"; do
        [[ -e $f || -L $f ]] || continue
        w=${f:${#head}}
        w=${w%"$tail"}
        [[ -n $w && $w != .* && $w != */* ]] && _vz_cand+=("$w")
    done
}

# COMPREPLY += PREFIX + each WORD that starts with CUR, once.
_vz_match() {
    local pre=$1 cur=$2 w
    shift 2
    local -A seen=()
    for w; do
        [[ $w == "$cur"* && -z ${seen[$w]} ]] || continue
        seen[$w]=1
        COMPREPLY+=("$pre$w")
    done
}

# The values of _vz_values that fit VALUE, each after PREFIX.
_vz_offer() {
    local pre=$1 val=$2 head= last=$2 item
    if [[ -n $_vz_v_sep && $val == *"$_vz_v_sep"* ]]; then
        head=${val%"$_vz_v_sep"*}$_vz_v_sep last=${val##*"$_vz_v_sep"}
    fi
    if [[ -n $_vz_v_prefix && $last == "$_vz_v_prefix"* ]]; then
        head+=$_vz_v_prefix last=${last#"$_vz_v_prefix"}
    fi
    local -a _vz_cand=()
    for item in "${_vz_v_items[@]}"; do
        case $item in
        w:*) _vz_cand+=("${item#w:}") ;;
        g:*) _vz_glob "${item#g:}" ;;
        esac
    done
    if [[ $_vz_v_flags == *[fd]* ]]; then
        compopt -o filenames 2>/dev/null
        [[ $_vz_v_flags == *f* ]] && mapfile -t -O ${#_vz_cand[@]} _vz_cand < <(compgen -f -- "$last")
        [[ $_vz_v_flags == *d* ]] && mapfile -t -O ${#_vz_cand[@]} _vz_cand < <(compgen -d -- "$last")
    fi
    _vz_match "$pre$head" "$last" "${_vz_cand[@]}"
}

# Completes the word under the cursor for TOOL from its data functions _vz_TOOL_*.
_vz_complete() {
    local tool=$1 _vz_w _vz_cw _vz_o _vz_s _vz_val _vz_v_flags _vz_v_sep _vz_v_prefix _vz_v_items
    local -n _vz_cmds=_vz_${tool}_commands
    _vz_words
    local cur=${_vz_w[_vz_cw]} scope= npos=0 want= i w
    # What the words before it are: the command (vzctl), options and their values, positionals.
    for ((i = 1; i < _vz_cw; i++)); do
        w=${_vz_w[i]}
        if [[ -n $want ]]; then
            want=
        elif [[ $w == -?* ]]; then
            [[ $w != --*=* ]] && "_vz_${tool}_value" "$scope $w" && want=1
        elif [[ -z $scope && ${#_vz_cmds[@]} -gt 0 ]]; then
            "_vz_${tool}_scope" "$w"
            scope=$_vz_s
        else
            npos=$((npos + 1))
        fi
    done
    COMPREPLY=()
    "_vz_${tool}_options" "$scope"
    local -a opts=("${_vz_o[@]}")
    if [[ -n $want ]]; then
        "_vz_${tool}_value" "$scope ${_vz_w[_vz_cw - 1]}"
        _vz_offer "" "$cur"
    elif [[ $cur == --*=* ]]; then
        "_vz_${tool}_value" "$scope ${cur%%=*}" && _vz_offer "${cur%%=*}=" "${cur#*=}"
    elif [[ $cur == -* ]]; then
        _vz_match "" "$cur" "${opts[@]}"
        # -s-field: a short option with its value in the same word.
        if ((${#COMPREPLY[@]} == 0)) && [[ $cur == -[!-]?* ]] && "_vz_${tool}_value" "$scope ${cur:0:2}"; then
            _vz_offer "${cur:0:2}" "${cur:2}"
        fi
    elif [[ -z $scope && ${#_vz_cmds[@]} -gt 0 ]]; then
        _vz_match "" "$cur" "${_vz_cmds[@]}"
    elif "_vz_${tool}_positional" "$scope $npos"; then
        _vz_offer "" "$cur"
    fi
    # What readline replaces is the text after the last word break (= or :) of the word, not even bash's
    # COMP_WORDS[COMP_CWORD] (which is ":" right after a colon).
    local rest=$cur
    [[ -n ${COMP_LINE+set} ]] && rest=${cur##*["${COMP_WORDBREAKS-}"]}
    local n=$((${#cur} - ${#rest}))
    if ((n > 0)); then
        for i in "${!COMPREPLY[@]}"; do COMPREPLY[i]=${COMPREPLY[i]:n}; done
    fi
    return 0
}
