"""Word lists the claim rules read: direction cues, metric names, setup-fact contexts.

Kept apart from the rules so a reviewer can see (and extend) what each rule keys on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Units that make a number a candidate claim on their own.
RATIO_UNITS = frozenset({"%", "x", "points"})
EFFICIENCY_UNITS = frozenset(
    {"ms", "us", "s", "min", "h", "tokens/s", "FPS", "it/s", "GB", "MB", "TB", "KB", "FLOPs", "USD"}
)
CLAIM_UNITS = RATIO_UNITS | EFFICIENCY_UNITS | {"MP", "dB"}

# Words right after a number ("26.7% improvement", "2.4x parameter reduction").
INCREASE_AFTER = re.compile(
    r"^(?:improvements?|improved|gains?|increases?|increased|boosts?|higher|faster|speed-?ups?|"
    r"accelerations?|more|better|larger|longer|greater|uplifts?|lifts?|jumps?|rises?|"
    r"enhancements?|advantages?|wider|stronger|quicker|speed|above|ahead)$",
    re.I,
)
DECREASE_AFTER = re.compile(
    r"^(?:reductions?|reduced|decreases?|decreased|lower|fewer|less|smaller|drops?|declines?|"
    r"shorter|cheaper|savings?|cuts?|degradations?|compression|shrinkage|lags?|losses|slimmer|"
    r"below|behind)$",
    re.I,
)
# Verbs/nouns before a number ("improves accuracy by 5%", "reducing latency by 40 ms").
INCREASE_BEFORE = re.compile(
    r"^(?:improv\w*|increas\w*|boost\w*|outperform\w*|surpass\w*|exceed\w*|rais\w*|gain\w*|"
    r"enhanc\w*|accelerat\w*|speed\w*|lift\w*|beat\w*|advanc\w*|elevat\w*|uplift\w*|"
    r"strengthen\w*|doubl\w*|tripl\w*|outpac\w*|higher|better|up)$",
    re.I,
)
DECREASE_BEFORE = re.compile(
    r"^(?:reduc\w*|decreas\w*|lower\w*|cut\w*|cutting|drop\w*|degrad\w*|declin\w*|trail\w*|"
    r"lag\w*|shrink\w*|compress\w*|sav\w*|slash\w*|minimi[sz]\w*|diminish\w*|"
    r"fall\w*|fell|halv\w*|down)$",
    re.I,
)
LEVEL_BEFORE = re.compile(
    r"^(?:achiev\w*|attain\w*|reach\w*|obtain\w*|scored|scoring|record\w*|hit\w*|deliver\w*|"
    r"yield\w*|get\w*|gets|got|set\w*|establish\w*|maintain\w*|retain\w*|preserv\w*|"
    r"match\w*|at|is|are|was|were|of|with|to|within|in|accounting|equal\w*|remains?)$",
    re.I,
)

# Metric words that make a bare number a score ("7.33 BLEU", "F1-score of 0.7266").
SCORE_NAMES = (
    r"BLEU|ROUGE(?:-\w+)?|mIoU|IoU|FID|FVD|KID|PSNR|SSIM|CW-SSIM|LPIPS|CIDEr|METEOR|mAP|AP|AUC|"
    r"AUROC|F1(?:-score)?|EM|Elo|CometScore|COMET|CLIP(?:\s*score)?|WER|CER|NDCG(?:@\d+)?|MRR|"
    r"Recall@\d+|[Pp]ass@\d+|chrF|BERTScore|MOS|UTMOS|J&F|HOTA|MOTA|ADE|FDE|SPL|"
    r"Spearman|Pearson|Kendall|perplexity|PPL|scores?|ratings?|points?"
)
SCORE_AFTER = re.compile(
    rf"^\s*(?:\([^)]{{0,30}}\)\s*)?(?:higher\s+|lower\s+|better\s+|more\s+|average\s+|"
    rf"absolute\s+|overall\s+)?(?:{SCORE_NAMES})\b",
)
SCORE_BEFORE = re.compile(
    rf"(?:\b(?:{SCORE_NAMES})|\bscor(?:e|es|ed|ing)|\baccuracy|\bperplexity)"
    r"\s*(?:of|:|=|is|was|reaches|reached|reaching|at|to|an?)?\s*$",
    re.I,
)
SCORE_WORDS = re.compile(rf"\b(?:{SCORE_NAMES}|accuracy|win[- ]rates?)\b", re.I)


@dataclass(frozen=True)
class Around:
    """The words on both sides of a figure that make it a setup fact: ``before`` ends the text
    before the figure (searched), ``after`` starts the text after it (matched)."""

    before: re.Pattern[str]
    after: re.Pattern[str]

    def fits(self, before: str, after: str) -> bool:
        return bool(self.before.search(before) and self.after.match(after))


# A percentage that is the share of data used, not an outcome ("with 5% of the data").
DATA_SHARE = Around(
    before=re.compile(
        r"\b(?:with|using|on|from|only|just|merely|uses?)\s+(?:only\s+|just\s+|merely\s+)?$", re.I
    ),
    after=re.compile(
        r"^\s+of\s+(?:the\s+|its\s+|their\s+)?(?:[\w-]+\s+){0,2}?(?:data|dataset|training|samples|"
        r"examples|labels|labeled|annotations|demonstrations?|parameters|compute|tokens|images|"
        r"videos|supervision)\b",
        re.I,
    ),
)
# A setting the experiment was run at, not an outcome ("at 70% sparsity", "when a 350 ms budget").
SETTING = Around(
    before=re.compile(r"\b(?:at|under|with|when|if|given|assuming)\s+(?:(?:an?|the)\s+)?$", re.I),
    after=re.compile(
        r"^\s*(?:sparsity|pruning|compression\s+ratio|masking|mask\s+ratio|noise|dropout|corruption|"
        r"occlusion|label\s+noise|poison\w*|density|quantization|budget|network\s+budget|"
        r"bidirectional\s+network|delay|deadline|threshold|ratio|rate\s+of)\b",
        re.I,
    ),
)
# Hardware and training budgets are setup ("a single 40GB A100", "5 hours on 32xA100 GPUs").
HARDWARE_AFTER = re.compile(
    r"^\s*(?:\(?\s*)?(?:on|with|using|of)?\s*(?:a\s+|an\s+|one\s+|single\s+)?(?:\d+\s*[x\u00d7]?\s*)?"
    r"(?:NVIDIA\s+|Nvidia\s+)?(?:A100|H100|H800|H200|A800|V100|A6000|L20|L40S?|RTX|TPU|GPUs?|"
    r"GPU|CPU|T4|B200|GB200|Ascend|4090|3090|VRAM)",
)
TRAINING_BEFORE = re.compile(
    r"\b(?:train(?:ed|ing)?|pre-?train(?:ed|ing)?|fine-?tun(?:ed|ing)|distill(?:ed|ing)?)\b"
    r"[^.;]{0,30}\b(?:for|in|within|takes|took)\s+(?:only\s+|just\s+)?$",
    re.I,
)
MEDIA_LENGTH = re.compile(
    r"^\s*(?:-long\b|long\s+(?:videos?|clips?|audio)|videos?\b|clips?\b|of\s+(?:human\s+|expert\s+)?"
    r"(?:effort|annotation|labou?r|work|footage|videos?|audio|speech|data|recordings?|gameplay|"
    r"driving|interaction|content|egocentric|real-world|training\s+data)\b|"
    r"\)?\s*of\s+(?:[\w-]+\s+){0,3}(?:data|videos?|footage|recordings?|speech|audio|trajectories|"
    r"demonstrations?|gameplay|motion|annotations?)\b)",
    re.I,
)
MEDIA_BEFORE = re.compile(r"\b(?:videos?|clips?|audio|recordings?)\s+of\s+$", re.I)
# A figure of the compared system, not of the work ("(vs 85.6% for cosine)").
BASELINE_VALUE_BEFORE = re.compile(
    r"(?:\bvs\.?|\bversus|\bcompared\s+(?:to|with)|\bagainst|\bbaseline\s+of)\s+(?:\S+\s+){0,2}$",
    re.I,
)
CHANGE_VERB = re.compile(
    r"\b(?:improv\w*|increas\w*|rais\w*|boost\w*|lift\w*|reduc\w*|decreas\w*|lower\w*|cut\w*|"
    r"drop\w*|declin\w*|degrad\w*|goes|went|rises?|rose|falls?|fell|grows?|grew|moves?)\b",
    re.I,
)
COMPARISON_CUE = re.compile(
    r"\b(?:surpass\w*|than|outperform\w*|compared|vs\.?|versus|beat\w*)\b", re.I
)

# Words that end the metric phrase when reading around a number.
STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "on",
        "in",
        "of",
        "over",
        "than",
        "compared",
        "with",
        "across",
        "for",
        "at",
        "while",
        "and",
        "or",
        "but",
        "which",
        "from",
        "to",
        "when",
        "where",
        "by",
        "as",
        "that",
        "this",
        "these",
        "those",
        "its",
        "their",
        "our",
        "his",
        "her",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "it",
        "they",
        "we",
        "vs",
        "versus",
        "against",
        "under",
        "into",
        "onto",
        "per",
        "using",
        "via",
        "after",
        "before",
        "during",
        "between",
        "among",
        "within",
        "without",
        "respectively",
        "only",
        "just",
        "merely",
        "nearly",
        "roughly",
        "about",
        "approximately",
        "around",
        "up",
        "down",
        "also",
        "even",
        "still",
        "further",
        "further",
        "more",
        "less",
        "most",
        "least",
        "very",
        "both",
        "each",
        "all",
        "average",
        "overall",
        "relative",
        "absolute",
        "consistently",
        "significantly",
        "substantially",
    ]
)
CUE_NOUN_METRIC = {
    "speedup": "speed",
    "speed-up": "speed",
    "faster": "speed",
    "acceleration": "speed",
    "quicker": "speed",
    "cheaper": "cost",
    "shorter": "length",
    "longer": "length",
    "smaller": "size",
    "larger": "size",
    "speed": "speed",
    "accurate": "accuracy",
    "efficient": "efficiency",
    "robust": "robustness",
}
EFFICIENCY_WORDS = re.compile(
    r"\b(?:speed\w*|faster|latency|throughput|memory|costs?|cheaper|FLOPs?|compute|"
    r"computation\w*|efficien\w*|parameters?|token\s+usage|tokens|convergence|frequency|"
    r"inference\s+time|run-?time|wall[- ]clock|training\s+time|energy|footprint|"
    r"accelerat\w*|data|storage|bandwidth|time)\b",
    re.I,
)
FINDING_SENTENCE = re.compile(
    r"\b(?:we\s+(?:find|found|observe|observed|discover|discovered|show|showed|demonstrate)\s+that|"
    r"(?:results?|analys[ie]s|experiments|evaluations?|findings|study)\s+"
    r"(?:show|shows|reveal|reveals|indicate|indicates|suggest|suggests|demonstrate|demonstrates)"
    r"\s+that)\b",
    re.I,
)
NEW_RESOURCE = re.compile(
    r"\b(?:we\s+)?(?:introduce|present|release|propose|construct|build|curate|collect|create|"
    r"develop|contribute|open-source)s?\s+(?P<name>[A-Z][\w\-.+]*(?:\s+[A-Z0-9][\w\-.+]*){0,3})"
    r"\s*(?:\([^)]{0,80}\))?\s*,\s+(?:a|an|the)\s+(?:[\w\-]+\s+){0,6}?"
    r"(?P<kind>datasets?|benchmarks?|corpus|corpora|test\s*suite|suite|leaderboard|"
    r"collection|models?|family\s+of\s+models|toolkit|library|testbed)\b"
)
RESOURCE_KIND_BENCHMARK = re.compile(
    r"dataset|benchmark|corpus|corpora|suite|leaderboard|collection|testbed"
)
BENCHMARK_ON = re.compile(
    r"\b[Oo]n\s+(?:the\s+)?(?:(?:widely|commonly)\s+used\s+|challenging\s+|popular\s+)?"
    r"(?P<name>[A-Z][\w\-.@+&]*(?:\s+[A-Z0-9][\w\-.@+&]*){0,2})"
)
BENCHMARK_NOUN = re.compile(
    r"\b(?P<name>[A-Z][\w\-.@+]*(?:\s+[A-Z0-9][\w\-.@+]*)?)\s+(?:benchmark|dataset|test\s+set)\b"
)
NOT_BENCHMARKS = re.compile(
    r"^(?:A100|H100|H800|V100|A800|L20|GPU|GPUs|CPU|TPU|NVIDIA|iPhone|Android|Mode|Table|Figure|"
    r"Fig|Section|Appendix|Llama|LLaMA|Qwen|GPT|Mistral|Gemma|Claude|Gemini|DeepSeek|Phi|"
    r"Our|We|This|The|It|Average|All|Both|Each|Top|Experiments?|Extensive|Comprehensive)\b"
)
BASELINE_PATTERN = re.compile(
    r"\b(?:than|over|compared\s+(?:to|with)|vs\.?|versus|surpass(?:es|ed|ing)?|"
    r"outperform(?:s|ed|ing)?|beat(?:s|ing)?|relative\s+to)\s+(?:the\s+|a\s+|an\s+)?"
    r"(?P<name>(?:(?:state-of-the-art|SOTA|previous|prior|existing|conventional|standard|vanilla|"
    r"normal|random|baseline|original|full|dense|leading|best|strongest|strong|pre-trained|"
    r"pretrained|raw|traditional|naive)\b[\w\- ]{0,40}?(?=[,;.()]|\s(?:on|in|by|and|with|while|"
    r"across|at|under|for|when|which|without)\b|$))|"
    r"(?=[\w\-.+]*[A-Z0-9])[A-Za-z][\w\-.+]*(?:\s+[A-Z0-9(][\w\-.+)]*){0,2})"
)
