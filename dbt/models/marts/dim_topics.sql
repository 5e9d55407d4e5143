with topics as (
    select * from {{ ref('int_topics_clustered') }}
),

paper_topics as (
    select * from {{ ref('int_paper_topics_completed') }}
),

papers as (
    select * from {{ ref('stg_raw__papers') }}
),

ranked_keyphrases as (
    select * from {{ ref('int_topic_keyphrases_ranked') }}
),

all_topics as (
    select
        topic_id,
        registry_label,
        parent_topic_id,
        is_new
    from topics
    union all
    select distinct
        topic_id,
        'unclustered' as registry_label,
        null as parent_topic_id,
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

top_keyphrases as (
    select
        topic_id,
        list(keyphrase order by keyphrase_rank) as top_keyphrases,
        -- the label: the most distinctive phrase, with the next one when it adds new words
        -- and at least a quarter of the topic's papers use it
        arg_min(surface_form, keyphrase_rank) as first_phrase,
        min(keyphrase) filter (where keyphrase_rank = 1) as first_keyphrase,
        min(surface_form) filter (
            where keyphrase_rank = 2 and topic_share >= 0.25
        ) as second_phrase,
        min(keyphrase) filter (
            where keyphrase_rank = 2 and topic_share >= 0.25
        ) as second_keyphrase
    from ranked_keyphrases
    where keyphrase_rank <= 5
    group by topic_id
),

labelled as (
    select
        all_topics.topic_id,
        coalesce(
            all_topics.registry_label,
            case
                when top_keyphrases.second_keyphrase is null
                    or contains(top_keyphrases.first_keyphrase, top_keyphrases.second_keyphrase)
                    or contains(top_keyphrases.second_keyphrase, top_keyphrases.first_keyphrase)
                    then top_keyphrases.first_phrase
                else top_keyphrases.first_phrase || ' / ' || top_keyphrases.second_phrase
            end,
            all_topics.topic_id
        ) as label,
        coalesce(top_keyphrases.top_keyphrases, []) as top_keyphrases,
        coalesce(topic_activity.n_papers, 0) as n_papers,
        coalesce(topic_activity.n_papers_any, 0) as n_papers_any,
        topic_activity.first_seen_date,
        topic_activity.last_seen_date,
        all_topics.parent_topic_id,
        all_topics.is_new
    from all_topics
    left join topic_activity on all_topics.topic_id = topic_activity.topic_id
    left join top_keyphrases on all_topics.topic_id = top_keyphrases.topic_id
),

-- a topic that lost all its papers (set aside, re-tagged elsewhere) is retired: it stays in the
-- registry (its id comes back with its papers) but is not published, nor as a parent
published as (
    select * from labelled
    where n_papers_any > 0
),

final as (
    select
        topic_id,
        label,
        top_keyphrases,
        n_papers,
        n_papers_any,
        first_seen_date,
        last_seen_date,
        case
            when parent_topic_id in (select topic_id from published) then parent_topic_id
        end as parent_topic_id,
        is_new
    from published
)

select * from final
