-- the strongest quantified claims of one topic (set the label pattern below): improvements and
-- results with a number, largest first, with the paper they come from
with claims as (
    select * from {{ ref('fct_claims') }}
),

paper_topics as (
    select * from {{ ref('fct_paper_topics') }}
),

topics as (
    select * from {{ ref('dim_topics') }}
),

papers as (
    select * from {{ ref('dim_papers') }}
),

chosen_topics as (
    select topic_id, label
    from topics
    where label ilike '%kv cache%'  -- the topic to look at
),

topic_claims as (
    select
        chosen_topics.label,
        claims.*
    from claims
    inner join paper_topics
        on claims.paper_id = paper_topics.paper_id
        and paper_topics.is_primary
    inner join chosen_topics on paper_topics.topic_id = chosen_topics.topic_id
    where claims.value is not null
        and claims.claim_type in ('improvement', 'result', 'efficiency')
),

final as (
    select
        topic_claims.label,
        topic_claims.claim_type,
        topic_claims.qualifier,
        topic_claims.value,
        topic_claims.unit,
        topic_claims.metric,
        topic_claims.benchmark,
        topic_claims.span,
        papers.title,
        papers.arxiv_url
    from topic_claims
    inner join papers on topic_claims.paper_id = papers.paper_id
    order by topic_claims.value desc, papers.title
    limit 25
)

select * from final
