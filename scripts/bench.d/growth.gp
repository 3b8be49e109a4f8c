# Growth with the number of processes in the job; data: target/bench/growth.dat from scripts/bench.
set terminal pngcairo size 900,450 font ",10"
set output png
set multiplot layout 1,2 title "jobgov growth with processes in the job"
set logscale x
set xlabel "processes in the job"
set key top left
set ylabel "time to empty (ms)"
set title "terminate"
plot dat using 1:3 with linespoints title "jobgov terminate", \
     dat using 1:2 with linespoints title "descendants().forEach(destroyForcibly)"
set ylabel "ms"
set title "process-exit event latency"
plot dat using 1:4 with linespoints title "p50", dat using 1:5 with linespoints title "p99"
unset multiplot
