"""One module per feed. Each has ``list_files(path)`` and ``read_file(path)`` (saved input,
yielding ``flows.lib.records.RawRecord`` / ``Rejected``); the live ones add a fetch function:

* ``hf_daily``    Hugging Face Daily Papers API (``fetch_day``), saved ``YYYY-MM-DD.json``
* ``arxiv_atom``  arXiv query API, Atom (``fetch``: paging + politeness delay), saved responses
* ``arxiv_jsonl`` arXiv OAI snapshot and daily listing JSON lines
* ``hf_page``     the copied text of a Hugging Face papers page
* ``http``        the shared httpx client with retries (tenacity)
* ``files``       reading a saved file safely: size limit, gzip, byte-order marks, bad bytes
"""
