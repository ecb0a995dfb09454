"""Measure language detection and FR/EN sentiment on our labelled posts (tests/data).

Prints three-class accuracy per language for our scorer and for the bare package
lexicons (VADER; textblob-fr), on the development and held-out halves, with and
without the brand names blanked out; a confusion matrix; language-detection
accuracy; and throughput. Run with `python -m benchmarks sentiment`.
"""
import time
from pathlib import Path

from tenants.monitoring.language.detect import detect_language
from tenants.monitoring.language.sentiment import LABEL_THRESHOLD, NEGATIVE, NEUTRAL, POSITIVE, score_sentiment, without_terms

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
LABELS = (POSITIVE, NEUTRAL, NEGATIVE)
HALVES = ("dev", "test")
LANGUAGES = ("fr", "en")
# VADER's own documented cut-off for its compound score, used for both baselines.
BASELINE_THRESHOLD = 0.05
THROUGHPUT_ROUNDS = 5


def read_labelled(name):
    """Read a label<TAB>text file from tests/data as (label, text) pairs."""
    with open(DATA / name, encoding="utf-8") as lines:
        return [tuple(line.rstrip("\n").split("\t", 1)) for line in lines if line.strip()]


def read_brands():
    """Read the corpus's brand names, one a line."""
    with open(DATA / "sentiment_brands.txt", encoding="utf-8") as lines:
        return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def baseline_scorers():
    """Build the bare package scorers: VADER compound, textblob-fr polarity."""
    from textblob_fr import PatternAnalyzer
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    vader, textblob_fr = SentimentIntensityAnalyzer(), PatternAnalyzer()
    return {"en": lambda text: vader.polarity_scores(text)["compound"],
            "fr": lambda text: textblob_fr.analyze(text)[0]}


def label_score(score, threshold):
    """Name the class of a score for a given cut-off."""
    return POSITIVE if score >= threshold else NEGATIVE if score <= -threshold else NEUTRAL


def accuracy(pairs):
    """Share of (gold, predicted) pairs that agree."""
    return sum(gold == predicted for gold, predicted in pairs) / len(pairs)


def print_accuracy_table(brands):
    """Print ours vs baseline accuracy per language and half, raw and brand-blanked."""
    baselines = baseline_scorers()
    print(f"\nThree-class accuracy (ours: label cut-off {LABEL_THRESHOLD}; baselines: {BASELINE_THRESHOLD})")
    print(f"{'language':<9}{'half':<6}{'posts':>6}{'ours':>8}{'ours raw':>10}{'baseline':>10}{'base raw':>10}")
    for language in LANGUAGES:
        for half in HALVES:
            posts = read_labelled(f"sentiment_{language}_{half}.tsv")
            ours = [(gold, score_sentiment(text, language, ignore=brands).label) for gold, text in posts]
            ours_raw = [(gold, score_sentiment(text, language).label) for gold, text in posts]
            base = [(gold, label_score(baselines[language](without_terms(text, brands)), BASELINE_THRESHOLD))
                    for gold, text in posts]
            base_raw = [(gold, label_score(baselines[language](text), BASELINE_THRESHOLD)) for gold, text in posts]
            print(f"{language:<9}{half:<6}{len(posts):>6}" + "".join(
                f"{accuracy(pairs):>10.1%}" if column else f"{accuracy(pairs):>8.1%}"
                for column, pairs in enumerate((ours, ours_raw, base, base_raw))))
    print("('raw' = brand names left in the text; the others blank them, as the pipeline does)")


def print_crisis_slice(brands):
    """Print our accuracy on the crisis headlines and press sentences (tests/data/sentiment_crisis_*)."""
    print("\nCrisis headlines and press sentences (issue #16), three-class accuracy, brand names blanked")
    for language in LANGUAGES:
        for half in HALVES:
            posts = read_labelled(f"sentiment_crisis_{language}_{half}.tsv")
            pairs = [(gold, score_sentiment(text, language, ignore=brands).label) for gold, text in posts]
            print(f"{language:<9}{half:<6}{len(posts):>6}{accuracy(pairs):>8.1%}")


def print_confusion(brands):
    """Print our confusion matrix on each held-out half (rows: truth, columns: ours)."""
    for language in LANGUAGES:
        posts = read_labelled(f"sentiment_{language}_test.tsv")
        counts = {(gold, predicted): 0 for gold in LABELS for predicted in LABELS}
        for gold, text in posts:
            counts[(gold, score_sentiment(text, language, ignore=brands).label)] += 1
        print(f"\nConfusion matrix, {language} held-out (rows: truth, columns: predicted)")
        print(f"{'':<10}" + "".join(f"{label:>10}" for label in LABELS))
        for gold in LABELS:
            print(f"{gold:<10}" + "".join(f"{counts[(gold, predicted)]:>10}" for predicted in LABELS))


def language_labelled_posts():
    """Gather (language, text) pairs: every sentiment post plus the language extras."""
    pairs = [(language, text) for language in LANGUAGES for half in HALVES
             for _, text in read_labelled(f"sentiment_{language}_{half}.tsv")]
    return pairs + read_labelled("language_extra.tsv")


def print_language_accuracy():
    """Print language-detection accuracy overall and per true language."""
    pairs = language_labelled_posts()
    print(f"\nLanguage detection: {accuracy([(gold, detect_language(text)) for gold, text in pairs]):.1%} "
          f"of {len(pairs)} posts")
    for language in ("fr", "en", "und"):
        subset = [(gold, detect_language(text)) for gold, text in pairs if gold == language]
        print(f"  {language}: {accuracy(subset):.1%} of {len(subset)}")


def print_throughput():
    """Print posts per second for detection alone and detection plus sentiment."""
    texts = [text for _, text in language_labelled_posts()]
    score_sentiment(texts[0], "fr"), score_sentiment(texts[0], "en")  # load lexicons outside the timing
    started = time.perf_counter()
    for _ in range(THROUGHPUT_ROUNDS):
        for text in texts:
            detect_language(text)
    detection_rate = THROUGHPUT_ROUNDS * len(texts) / (time.perf_counter() - started)
    started = time.perf_counter()
    for _ in range(THROUGHPUT_ROUNDS):
        for text in texts:
            score_sentiment(text, detect_language(text))
    both_rate = THROUGHPUT_ROUNDS * len(texts) / (time.perf_counter() - started)
    print(f"\nThroughput, one core: detect_language {detection_rate:,.0f} posts/s; "
          f"detect_language + score_sentiment {both_rate:,.0f} posts/s")


def main():
    """Run every measurement in turn."""
    started = time.perf_counter()
    score_sentiment("chargement", "fr"), score_sentiment("loading", "en"), detect_language("warm up")
    print(f"Lexicons loaded in {time.perf_counter() - started:.2f} s")
    brands = read_brands()
    print_accuracy_table(brands)
    print_crisis_slice(brands)
    print_confusion(brands)
    print_language_accuracy()
    print_throughput()


if __name__ == "__main__":
    main()
