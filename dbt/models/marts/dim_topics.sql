with topics as (
    select * from {{ ref('int_topics_clustered') }}
),

paper_topics as (
    select * from {{ ref('int_paper_topics_combined') }}
),

papers as (
    select * from {{ ref('stg_raw__papers') }}
),

ranked as (
    select * from {{ ref('int_topic_keyphrases_ranked') }}
),

all_topics as (
    select
        topic_id,
        theme_id,
        registry_label,
        is_new
    from topics
    union all
    select distinct
        topic_id,
        null as theme_id,
        'unclustered' as registry_label,
        false as is_new
    from paper_topics
    where topic_id = 't_unclustered'
),

topic_activity as (
    select
        paper_topics.topic_id,
        count(*) filter (where paper_topics.is_primary) as n_papers,
        count(*) as n_papers_any,
        min(papers.activity_date) filter (where paper_topics.is_primary) as first_seen_date,
        max(papers.activity_date) filter (where paper_topics.is_primary) as last_seen_date
    from paper_topics
    inner join papers on paper_topics.paper_id = papers.paper_id
    group by paper_topics.topic_id
),

{{ group_label('ranked', 'topic_id') }},

-- the head of a theme: its topic with the most papers (a tie: the first topic id, so every
-- build of the same data names the same head; arg_max broke ties by row order, and at 100k
-- papers a full refresh gave 2,732 topics another parent); the other topics' parent
theme_heads as (
    select
        all_topics.theme_id,
        first(
            all_topics.topic_id order by topic_activity.n_papers desc, all_topics.topic_id
        ) as head_topic_id
    from all_topics
    inner join topic_activity on all_topics.topic_id = topic_activity.topic_id
    where all_topics.theme_id is not null
    group by all_topics.theme_id
),

final as (
    select
        all_topics.topic_id,
        coalesce(all_topics.registry_label, group_labels.keyphrase_label, all_topics.topic_id)
            as label,
        coalesce(group_labels.top_keyphrases, []) as top_keyphrases,
        coalesce(topic_activity.n_papers, 0) as n_papers,
        coalesce(topic_activity.n_papers_any, 0) as n_papers_any,
        topic_activity.first_seen_date,
        topic_activity.last_seen_date,
        nullif(theme_heads.head_topic_id, all_topics.topic_id) as parent_topic_id,
        all_topics.theme_id,
        all_topics.is_new
    from all_topics
    left join topic_activity on all_topics.topic_id = topic_activity.topic_id
    left join group_labels on all_topics.topic_id = group_labels.topic_id
    left join theme_heads on all_topics.theme_id = theme_heads.theme_id
    -- a topic that lost all its papers (set aside, re-tagged elsewhere) is retired: it stays in
    -- the registry but is not published
    where coalesce(topic_activity.n_papers_any, 0) > 0
)

select * from final
