-- fct_paper_topics.weight is a cosine similarity clipped to [0, 1]
select paper_id, topic_id, weight
from {{ ref('fct_paper_topics') }}
where weight < 0 or weight > 1
