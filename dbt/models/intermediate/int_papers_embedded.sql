-- the input of the topic model: every paper with a document embedding of its current text,
-- its activity date and its keyphrases (the words its topic is described by); the vectors stay
-- in stg_raw__paper_embeddings (flows.lib.topics.embedded_papers joins them when read)
with embeddings as (
    select * from {{ ref('stg_raw__paper_embeddings') }}
),

papers as (
    select * from {{ ref('stg_raw__papers') }}
),

paper_keywords as (
    select * from {{ ref('stg_raw__paper_keywords') }}
),

keyphrase_lists as (
    select
        paper_id,
        list(keyphrase order by rank, keyphrase) as keyphrases
    from paper_keywords
    group by paper_id
),

final as (
    select
        embeddings.paper_id,
        embeddings.content_hash,
        papers.activity_date,
        coalesce(keyphrase_lists.keyphrases, []) as keyphrases
    from embeddings
    inner join papers
        on embeddings.paper_id = papers.paper_id
        and embeddings.content_hash = papers.content_hash
    left join keyphrase_lists on embeddings.paper_id = keyphrase_lists.paper_id
)

select * from final
