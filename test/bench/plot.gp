# test/bench/plot.gp — upgrade time against N per tool, log-log.
#   gnuplot -e "dat='test/bench/upgrade.dat'; out='test/bench/upgrade'" test/bench/plot.gp
# writes out.png and out.svg; dat is written by run.sh (report.awk -v mode=plotdata).
if (!exists("dat")) dat = 'upgrade.dat'
if (!exists("out")) out = 'upgrade'
set datafile missing '?'
set logscale xy
set grid xtics ytics mxtics mytics lc rgb '#dddddd'
set key top left
set xlabel 'revisions N (chain of CREATE TABLE)'
set ylabel 'median wall time, ms (log)'
set title "Upgrade to head: N x CREATE TABLE, fsync on, one fresh database per run"
set format y '%g'
set xrange [*:*]
plot_it = "plot dat using 1:2 with linespoints lw 2 pt 7 title 'psql -1 -f (plain script)', \
     dat using 1:3 with linespoints lw 2 pt 5 title \"pg_revisions rev_upgrade('head')\", \
     dat using 1:4 with linespoints lw 2 pt 9 title 'alembic upgrade head', \
     dat using 1:5 with linespoints lw 2 pt 11 title 'sqitch deploy'"
set terminal pngcairo size 900,600 noenhanced font 'sans,10'
set output out.'.png'
eval plot_it
set terminal svg size 900,600 noenhanced font 'sans,10' dynamic
set output out.'.svg'
eval plot_it
set output
