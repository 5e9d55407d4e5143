-- incremental: a build writes only the rows that differ from the last build's (a new or changed
-- paper, or one whose keyphrase count, primary topic or theme changed: rows compared by hash),
-- and deletes the rows of papers the lake no longer holds (post_hook); a full build gives the
-- same rows. Writing every row again (abstracts included) took 4 s of a daily build at 100k.
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='paper_id',
        on_schema_change='fail',
        post_hook="delete from {{ this }} where paper_id not in (select paper_id from {{ ref('stg_raw__papers') }})"
    )
}}

with papers as (
    select * from {{ ref('stg_raw__papers') }}
),

paper_keywords as (
    select * from {{ ref('stg_raw__paper_keywords') }}
),

paper_topics as (
    select * from {{ ref('int_paper_topics_completed') }}
),

topics as (
    select * from {{ ref('int_topics_clustered') }}
),

keyphrase_counts as (
    select
        paper_id,
        count(*) as n_keyphrases
    from paper_keywords
    group by paper_id
),

primary_topics as (
    select
        paper_topics.paper_id,
        paper_topics.topic_id as primary_topic_id,
        topics.theme_id as primary_theme_id
    from paper_topics
    left join topics on paper_topics.topic_id = topics.topic_id
    where paper_topics.is_primary
),

paper_rows as (
    select
        papers.paper_id,
        papers.arxiv_id,
        papers.title,
        papers.abstract,
        papers.authors,
        papers.published_at,
        papers.first_seen_at,
        papers.activity_date,
        papers.source,
        papers.sources,
        papers.upvotes,
        papers.num_comments,
        papers.categories,
        papers.source_keywords,
        case
            when papers.arxiv_id is not null then 'https://arxiv.org/abs/' || papers.arxiv_id
        end as arxiv_url,
        case
            when papers.arxiv_id is not null then 'https://huggingface.co/papers/' || papers.arxiv_id
        end as hf_url,
        coalesce(keyphrase_counts.n_keyphrases, 0) as n_keyphrases,
        primary_topics.primary_topic_id,
        primary_topics.primary_theme_id
    from papers
    left join keyphrase_counts on papers.paper_id = keyphrase_counts.paper_id
    left join primary_topics on papers.paper_id = primary_topics.paper_id
),

final as (
    select * from paper_rows
    {% if is_incremental() %}
    where hash(paper_rows) not in (select hash(last_build) from {{ this }} as last_build)
    {% endif %}
)

select * from final
