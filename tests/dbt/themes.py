"""Hand-labelled themes of the HF papers page (../shared/data/hf-papers-page), keyed by title.

Each group holds papers of that page that are clearly about one theme (checked by reading the
titles and abstracts); titles that straddle two themes (e.g. "Towards Optimizing SQL Generation
via LLM Routing") are left out. Topics should keep each group together and the groups apart.
"""

THEMES: dict[str, list[str]] = {
    "concept bottleneck models": [
        "Concept Bottleneck Large Language Models",
        "Post-hoc Concept Bottleneck Models",
        "DCBM: Data-Efficient Visual Concept Bottleneck Models",
        "V2C-CBM: Building Concept Bottlenecks with Vision-to-Concept Tokenizer",
        "Sparse Concept Bottleneck Models: Gumbel Tricks in Contrastive Learning",
        "Language in a Bottle: Language Model Guided Concept Bottlenecks for Interpretable Image "
        "Classification",
    ],
    "kv cache compression": [
        "SpeCache: Speculative Key-Value Caching for Efficient Generation of LLMs",
        "Keep the Cost Down: A Review on Methods to Optimize LLM' s KV-Cache Consumption",
        "Keyformer: KV Cache Reduction through Key Tokens Selection for Efficient Generative "
        "Inference",
        "Finch: Prompt-guided Key-Value Cache Compression",
        "CSR:Achieving 1 Bit Key-Value Cache via Sparse Representation",
        "Key, Value, Compress: A Systematic Exploration of KV Cache Compression Techniques",
    ],
    "text-to-sql": [
        "LinkAlign: Scalable Schema Linking for Real-World Large-Scale Multi-Database Text-to-SQL",
        "DB-GPT-Hub: Towards Open Benchmarking Text-to-SQL Empowered by Large Language Models",
        "Arctic-Text2SQL-R1: Simple Rewards, Strong Reasoning in Text-to-SQL",
    ],
    "llm routing": [
        "Large Language Model Routing with Benchmark Datasets",
        "RouteLLM: Learning to Route LLMs with Preference Data",
        "TagRouter: Learning Route to LLMs through Tags for Open-Domain Text Generation Tasks",
        "RouterBench: A Benchmark for Multi-LLM Routing System",
    ],
    "scaling laws": [
        "Scaling Laws for Neural Language Models",
        "Scaling Data-Constrained Language Models",
        "Generalizing Scaling Laws for Dense and Sparse Large Language Models",
        "A Solvable Model of Neural Scaling Laws",
        "Observational Scaling Laws and the Predictability of Language Model Performance",
        "Scaling Laws for Linear Complexity Language Models",
    ],
    "text embeddings": [
        "Text Embeddings by Weakly-Supervised Contrastive Pre-training",
        "Improving Text Embeddings with Large Language Models",
        "Jina Embeddings 2: 8192-Token General-Purpose Text Embeddings for Long Documents",
        "MMTEB: Massive Multilingual Text Embedding Benchmark",
        "Multi-Task Contrastive Learning for 8192-Token Bilingual Text Embeddings",
        "Improving General Text Embedding Model: Tackling Task Conflict and Data Imbalance "
        "through Model Merging",
    ],
}
