-- every paper with keyphrases has exactly one primary topic
with paper_keywords as (
    select * from {{ ref('fct_paper_keywords') }}
),

paper_topics as (
    select * from {{ ref('fct_paper_topics') }}
),

tagged_papers as (
    select distinct paper_id from paper_keywords
),

primary_counts as (
    select
        tagged_papers.paper_id,
        count(paper_topics.topic_id) filter (where paper_topics.is_primary) as n_primary
    from tagged_papers
    left join paper_topics on tagged_papers.paper_id = paper_topics.paper_id
    group by tagged_papers.paper_id
),

final as (
    select * from primary_counts
    where n_primary <> 1
)

select * from final
