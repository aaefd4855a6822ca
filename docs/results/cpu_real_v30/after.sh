# session 38, after runs 61 (init 0, data 1) and 62 (init 1, data 0) finished: tables, clean logs, curves, the 2x2.
set -e; E=/work/main/docs/results/cpu_real_v30; cd $E
source /work/main/.venv/bin/activate
bash ../collect_runs.sh . /work/s38/split_ 61:i0_d1 62:i1_d0
cd /work/main && python docs/results/cpu_real_v30/split.py > $E/split.txt
