"""Action class names of the skeleton datasets, indexed by 0-based label.

NTU RGB+D 120 (Liu et al., TPAMI 2019) lists actions A001-A120; its first 60 are NTU RGB+D
60 (Shahroudy et al., CVPR 2016). Label = action number - 1.

NW-UCLA (Wang et al., CVPR 2014) uses the ten actions a01-a06, a08, a09, a11, a12, which
the dataset's json files label 1-10 in that order; label here = json label - 1.
"""
from __future__ import annotations

import os
from typing import Any, List, Mapping, Optional

NTU120_CLASSES = [
    # A001-A060: NTU RGB+D 60
    "drink water", "eat meal/snack", "brushing teeth", "brushing hair", "drop",
    "pickup", "throw", "sitting down", "standing up (from sitting position)", "clapping",
    "reading", "writing", "tear up paper", "wear jacket", "take off jacket",
    "wear a shoe", "take off a shoe", "wear on glasses", "take off glasses",
    "put on a hat/cap",
    "take off a hat/cap", "cheer up", "hand waving", "kicking something",
    "reach into pocket",
    "hopping (one foot jumping)", "jump up", "make a phone call/answer phone",
    "playing with phone/tablet", "typing on a keyboard",
    "pointing to something with finger", "taking a selfie", "check time (from watch)",
    "rub two hands together", "nod head/bow",
    "shake head", "wipe face", "salute", "put the palms together",
    "cross hands in front (say stop)",
    "sneeze/cough", "staggering", "falling", "touch head (headache)",
    "touch chest (stomachache/heart pain)",
    "touch back (backache)", "touch neck (neckache)", "nausea or vomiting condition",
    "use a fan (with hand or paper)/feeling warm", "punching/slapping other person",
    "kicking other person", "pushing other person", "pat on back of other person",
    "point finger at the other person", "hugging other person",
    "giving something to other person", "touch other person's pocket", "handshaking",
    "walking towards each other", "walking apart from each other",
    # A061-A120: added by NTU RGB+D 120
    "put on headphone", "take off headphone", "shoot at the basket", "bounce ball",
    "tennis bat swing",
    "juggling table tennis balls", "hush (quite)", "flick hair", "thumb up", "thumb down",
    "make ok sign", "make victory sign", "staple book", "counting money", "cutting nails",
    "cutting paper (using scissors)", "snapping fingers", "open bottle", "sniff (smell)",
    "squat down",
    "toss a coin", "fold paper", "ball up paper", "play magic cube",
    "apply cream on face",
    "apply cream on hand back", "put on bag", "take off bag",
    "put something into a bag", "take something out of a bag",
    "open a box", "move heavy objects", "shake fist", "throw up cap/hat",
    "hands up (both hands)",
    "cross arms", "arm circles", "arm swings", "running on the spot",
    "butt kicks (kick backward)",
    "cross toe touch", "side kick", "yawn", "stretch oneself", "blow nose",
    "hit other person with something", "wield knife towards other person",
    "knock over other person (hit with body)", "grab other person's stuff",
    "shoot at other person with a gun",
    "step on foot", "high-five", "cheers and drink", "carry something with other person",
    "take a photo of other person",
    "follow other person", "whisper in other person's ear",
    "exchange things with other person", "support somebody with hand",
    "finger-guessing game (playing rock-paper-scissors)",
]

NTU60_CLASSES = NTU120_CLASSES[:60]

# a01, a02, a03, a04, a05, a06, a08, a09, a11, a12
NWUCLA_CLASSES = [
    "pick up with one hand", "pick up with two hands", "drop trash", "walk around",
    "sit down", "stand up", "donning", "doffing", "throw", "carry",
]

_BY_DATASET = {
    "ntu60": NTU60_CLASSES,
    "ntu120": NTU120_CLASSES,
    "nwucla": NWUCLA_CLASSES,
}
_ALIASES = {"ntu": "ntu60", "ntu-rgb-d": "ntu60", "ntu_rgb_d": "ntu60", "nw-ucla": "nwucla",
            "nw_ucla": "nwucla", "ucla": "nwucla"}


def class_names(dataset: str) -> list[str]:
    """Class names by 0-based label for ``dataset``: "ntu60", "ntu120" or "nwucla"
    (case-insensitive; "ntu", "nw-ucla" and "ucla" are accepted too). Returns a new list."""
    key = dataset.lower()
    key = _ALIASES.get(key, key)
    if key not in _BY_DATASET:
        raise ValueError(f"unknown dataset {dataset!r}; known: {sorted(_BY_DATASET)} "
                         f"(aliases: {sorted(_ALIASES)})")
    return list(_BY_DATASET[key])


def read_class_names_file(path: str) -> List[str]:
    """Class names from a UTF-8 text file, one per line in label order (blank lines ignored)."""
    if not os.path.isfile(path):
        raise ValueError(f"class names file not found: {path}")
    with open(path, encoding="utf-8") as f:
        return [line.strip() for line in f if line.strip()]


def config_class_names(cfg: Mapping[str, Any]) -> Optional[List[str]]:
    """The class names of a config, by 0-based label, or None when it gives none.

    ``INFERENCE.class_names`` wins: a list of names, or the path of a text file with one name per
    line. Otherwise ``INFERENCE.dataset`` names a known dataset (ntu60, ntu120, nwucla). The
    config check (``get_config``) makes sure a given list or file has ``num_classes`` names.
    """
    inference = cfg.get("INFERENCE") or {}
    given = inference.get("class_names")
    if isinstance(given, str):
        return read_class_names_file(given)
    if given is not None:
        return [str(name) for name in given]
    dataset = inference.get("dataset")
    if not dataset:
        return None
    try:
        return class_names(dataset)
    except ValueError:
        return None
