#!/usr/bin/env bash
# docs/custom_data.md followed on NW-UCLA as if it were a user's own data (the project does not
# ship it): the json files exported to one CSV per sequence, then the guide's steps 1-4 with a
# copy of the example config adapted as section 6 says.
#
#   bash benchmarks/custom_data_ucla.sh [WORK_DIR]     # reads ../shared/data/NW-UCLA (or UCLA_DIR); default WORK_DIR output/custom_ucla
set -euo pipefail
R=$(cd "$(dirname "$0")/.." && pwd)
UCLA=$(cd "${UCLA_DIR:-$R/../shared/data/NW-UCLA/all_sqe}" && pwd)
W=${1:-$R/output/custom_ucla}
mkdir -p "$W"; cd "$W"
rm -rf seqs data output inference; mkdir -p seqs
python3 - "$UCLA" <<'PY'
import json, glob, os, sys
for path in sorted(glob.glob(os.path.join(sys.argv[1], '*.json'))):
    d = json.load(open(path))
    name = os.path.splitext(os.path.basename(path))[0]
    with open(f'seqs/{name}.csv', 'w') as f:
        for frame in d['skeletons']:
            f.write(','.join(f'{v:.6f}' for joint in frame for v in joint) + '\n')
PY
printf 'a01\na02\na03\na04\na05\na06\na08\na09\na11\na12\n' > classes.txt
for d in main.py tools configs paddlevideo; do ln -sfn $R/$d $d; done
mkdir -p data/custom; ln -sfn $R/data/custom/sequences_to_npy.py data/custom/sequences_to_npy.py
python data/custom/sequences_to_npy.py --input-dir seqs --out-dir data/custom/ucla --joints 20 --center-joint 1 \
    --label-regex '^(?P<label>a\d\d)_' --classes classes.txt --val-regex '_v03$'
sed -e 's#data/custom/example/#data/custom/ucla/#g' -e 's/model_name: CTRGCN_tiny_custom_example/model_name: CTRGCN_tiny_ucla_custom/' \
    -e 's/num_classes: 3/num_classes: 10/' -e 's/num_point: 15/num_point: 20/' -e 's/vertex_nums: 15/vertex_nums: 20/' \
    -e 's/epochs: 20/epochs: 20/' -e 's/boundaries: \[15\]/boundaries: [16]/' -e 's/window_size: 32/window_size: 52/' \
    -e 's/min_crop: 16/min_crop: 24/' $R/configs/recognition/ctrgcn/ctrgcn_tiny_custom_example.yaml \
  | python3 -c "
import sys, re
text = sys.stdin.read()
start = text.index('GRAPH:'); end = text.index('MODEL:')
text = text[:start] + 'GRAPH:\n    layout: nw_ucla\n\n' + text[end:]
sys.stdout.write(text)" > ucla_custom.yaml
python main.py --validate -c ucla_custom.yaml --seed 1
python main.py --test -c ucla_custom.yaml -w output/CTRGCN_tiny_ucla_custom/CTRGCN_tiny_ucla_custom_best.pdparams
python tools/export_model.py -c ucla_custom.yaml -p output/CTRGCN_tiny_ucla_custom/CTRGCN_tiny_ucla_custom_best.pdparams -o inference/ --check
