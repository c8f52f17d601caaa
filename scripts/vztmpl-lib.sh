# vztmpl-lib.sh - what the template builders (mktemplate-busybox, mktemplate-debian; installed as vztmpl-mkbusybox
# and vztmpl-mkdebian) share. Sourced, never run. Installed as ${datadir}/vzctl/vztmpl-lib.sh.

# vztmpl_cache_dir: the directory vzctl create takes templates from, TEMPLATE/cache of $VZ_CONFDIR/vz.conf
# (VZ_CONFDIR: /etc/vz), read as vzctl reads it (NAME="value"; the last one wins; unset: /vz/template).
vztmpl_cache_dir() {
    local conf=${VZ_CONFDIR:-/etc/vz}/vz.conf template
    [[ -r $conf ]] || { echo "$prog: no OUTDIR given and $conf is not readable" >&2; return 1; }
    template=$(sed -n 's/^TEMPLATE="\{0,1\}\([^"]*\)"\{0,1\}[[:space:]]*$/\1/p' -- "$conf" | tail -n 1)
    echo "${template:-/vz/template}/cache"
}
