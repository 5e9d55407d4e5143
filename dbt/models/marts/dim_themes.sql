with themes as (
    select * from {{ ref('int_themes_clustered') }}
),

topics as (
    select * from {{ ref('int_topics_clustered') }}
),

paper_topics as (
    select * from {{ ref('int_paper_topics_completed') }}
),

papers as (
    select * from {{ ref('stg_raw__papers') }}
),

ranked as (
    select * from {{ ref('int_theme_keyphrases_ranked') }}
),

theme_activity as (
    select
        topics.theme_id,
        count(*) as n_papers,
        min(papers.activity_date) as first_seen_date,
        max(papers.activity_date) as last_seen_date
    from paper_topics
    inner join topics on paper_topics.topic_id = topics.topic_id
    inner join papers on paper_topics.paper_id = papers.paper_id
    where paper_topics.is_primary
    group by topics.theme_id
),

{{ group_label('ranked', 'theme_id') }},

final as (
    select
        themes.theme_id,
        coalesce(themes.registry_label, group_labels.keyphrase_label, themes.theme_id) as label,
        coalesce(group_labels.top_keyphrases, []) as top_keyphrases,
        themes.n_topics,
        coalesce(theme_activity.n_papers, 0) as n_papers,
        theme_activity.first_seen_date,
        theme_activity.last_seen_date,
        themes.is_new
    from themes
    left join theme_activity on themes.theme_id = theme_activity.theme_id
    left join group_labels on themes.theme_id = group_labels.theme_id
    -- a theme whose topics lost all their papers is retired, not published empty
    where coalesce(theme_activity.n_papers, 0) > 0
)

select * from final
