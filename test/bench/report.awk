# test/bench/report.awk — the table of test/bench/run.sh.
# Input: samples, tab-separated: op, workload, N, contender, ms.
#   awk -F '\t' -f report.awk samples.tsv
#       table: op, workload, N, contender, samples, median, min, ratio to plain
#   awk -F '\t' -f report.awk -v mode=plotdata -v op=upgrade -v wl=chain samples.tsv
#       gnuplot data: N and the median of each contender ('?' where none)
function fmt(x) { return sprintf(x < 10 ? "%.3f" : "%.1f", x) }
function median(arr, k,    i, j, t) {
    for (i = 2; i <= k; i++) {
        t = arr[i]
        for (j = i - 1; j >= 1 && arr[j] > t; j--) arr[j + 1] = arr[j]
        arr[j + 1] = t
    }
    return (k % 2) ? arr[(k + 1) / 2] : (arr[k / 2] + arr[k / 2 + 1]) / 2
}
{
    key = $1 SUBSEP $2 SUBSEP $3 SUBSEP $4
    if (!(key in cnt)) order[++nkeys] = key
    cnt[key]++
    val[key, cnt[key]] = $5 + 0
}
END {
    for (i = 1; i <= nkeys; i++) {
        k = cnt[order[i]]
        delete a
        mn = ""
        for (j = 1; j <= k; j++) {
            a[j] = val[order[i], j]
            if (mn == "" || a[j] < mn) mn = a[j]
        }
        med[order[i]] = median(a, k)
        mins[order[i]] = mn
        split(order[i], p, SUBSEP)
        if (p[4] ~ /^plain/) base[p[1], p[2], p[3]] = med[order[i]]
        if (p[1] == "graph" && !((p[2]) in gbase)) gbase[p[2]] = med[order[i]]   # the first (smallest) N
    }
    if (mode == "plotdata") {
        nc = split("plain pg_revisions alembic sqitch", cs, " ")
        printf "# N"; for (c = 1; c <= nc; c++) printf "\t%s", cs[c]; printf "\n"
        for (i = 1; i <= nkeys; i++) {
            split(order[i], p, SUBSEP)
            if (p[1] != op || p[2] != wl) continue
            if (!(p[3] in seen)) { seen[p[3]] = 1; ns[++nn] = p[3] }
            m[p[3], p[4]] = med[order[i]]
        }
        for (x = 2; x <= nn; x++) { t = ns[x]; for (y = x - 1; y >= 1 && ns[y] + 0 > t + 0; y--) ns[y + 1] = ns[y]; ns[y + 1] = t }
        for (x = 1; x <= nn; x++) {
            printf "%s", ns[x]
            for (c = 1; c <= nc; c++) printf "\t%s", ((ns[x], cs[c]) in m) ? sprintf("%.3f", m[ns[x], cs[c]]) : "?"
            printf "\n"
        }
        exit
    }
    nops = split("upgrade noop downgrade register graph", ops, " ")
    fmtline = "%-9s %-26s %6s  %-36s %4s %11s %11s %7s\n"
    printf fmtline, "op", "workload", "N", "contender", "n", "median ms", "min ms", "ratio"
    printf fmtline, "---------", "--------------------------", "------", "------------------------------------", "----", "-----------", "-----------", "-------"
    for (o = 1; o <= nops; o++) {
        # rows of this op, ordered by workload (first seen), N, then contender (first seen)
        nr = 0
        for (i = 1; i <= nkeys; i++) {
            split(order[i], p, SUBSEP)
            if (p[1] != ops[o]) continue
            if (!((p[2]) in wrank)) wrank[p[2]] = ++nw
            rows[++nr] = i
        }
        for (x = 2; x <= nr; x++) {
            t = rows[x]
            for (y = x - 1; y >= 1 && later(rows[y], t); y--) rows[y + 1] = rows[y]
            rows[y + 1] = t
        }
        for (x = 1; x <= nr; x++) {
            key = order[rows[x]]
            split(key, p, SUBSEP)
            ratio = "-"
            if (((p[1], p[2], p[3]) in base) && p[4] !~ /in-server/ && base[p[1], p[2], p[3]] > 0)
                ratio = sprintf("%.2f", med[key] / base[p[1], p[2], p[3]])
            if (p[1] == "graph" && gbase[p[2]] > 0)
                ratio = sprintf("x%.1f", med[key] / gbase[p[2]])
            printf fmtline, p[1], p[2], p[3], p[4], cnt[key], fmt(med[key]), fmt(mins[key]), ratio
        }
    }
}
# true when row index a sorts after row index b (same op)
function later(a, b,    pa, pb) {
    split(order[a], pa, SUBSEP); split(order[b], pb, SUBSEP)
    if (wrank[pa[2]] != wrank[pb[2]]) return wrank[pa[2]] > wrank[pb[2]]
    if (pa[3] + 0 != pb[3] + 0) return pa[3] + 0 > pb[3] + 0
    return a > b
}
