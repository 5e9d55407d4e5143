-- topics whose papers got the most HF upvotes in the last 90 days of data
with papers as (
    select * from {{ ref('dim_papers') }}
),

topics as (
    select * from {{ ref('dim_topics') }}
),

last_date as (
    select max(activity_date) as last_date
    from papers
),

recent_papers as (
    select papers.*
    from papers
    cross join last_date
    where papers.activity_date > last_date.last_date - interval 90 day
        and papers.primary_topic_id is not null
),

upvotes_per_topic as (
    select
        primary_topic_id as topic_id,
        count(*) as n_papers,
        sum(upvotes) as upvotes,
        round(avg(upvotes), 1) as upvotes_per_paper,
        arg_max(title, upvotes) as most_upvoted_paper
    from recent_papers
    group by primary_topic_id
),

final as (
    select
        topics.label,
        upvotes_per_topic.*
    from upvotes_per_topic
    inner join topics on upvotes_per_topic.topic_id = topics.topic_id
    order by upvotes_per_topic.upvotes desc, topics.label
    limit 20
)

select * from final
