# embed_lib.sh -- shared by the embed.sh scripts that compile data files
# (profiles, gnuplot scripts) into the library as C string literals, so the
# binary needs no data files at run time. Source it; POSIX sh.

# c_string FILE INDENT: FILE as C string literal lines, one per input line.
c_string() {
    sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e "s/^/$2\"/" -e 's/$/\\n"/' "$1"
}

# c_table OUT GENERATOR INCLUDE TYPE ARRAY COUNT DIR EXT WHAT: write OUT
# (atomically) holding `const TYPE ARRAY[] = {{name, text}, ..., {0, 0}}`
# and `const int COUNT = n` for every DIR/*EXT, name = the file name (EXT
# kept when it is .gp, dropped for .json), then print what was written.
c_table() {
    out=$1 gen=$2 inc=$3 type=$4 array=$5 count=$6 dir=$7 ext=$8 what=$9
    tmp="$out.tmp.$$"
    {
        echo "$gen"
        echo "#include \"$inc\""
        echo
        echo "const $type $array[] = {"
        n=0
        for f in "$dir"/*"$ext"; do
            [ -e "$f" ] || continue
            if [ "$ext" = .json ]; then name=$(basename "$f" .json); else name=$(basename "$f"); fi
            printf '    {"%s",\n' "$name"
            c_string "$f" '     '
            printf '    },\n'
            n=$((n + 1))
        done
        echo "    {0, 0},"
        echo "};"
        echo "const int $count = $n;"
    } > "$tmp"
    mv "$tmp" "$out"
    echo "wrote $out ($n $what)"
}
