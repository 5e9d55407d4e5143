with source as (
    select * from {{ source('raw', 'papers') }}
),

renamed as (
    select
        paper_id,
        arxiv_id,
        title,
        abstract,
        authors,
        published_at,
        first_seen_at,
        cast(timezone('UTC', published_at) as date) as published_date,
        cast(timezone('UTC', first_seen_at) as date) as first_seen_date,
        source,
        coalesce(sources, [source]) as sources,
        coalesce(upvotes, 0) as upvotes,
        coalesce(num_comments, 0) as num_comments,
        categories,
        source_keywords,
        content_hash,
        last_run_id,
        updated_at
    from source
),

final as (
    select
        *,
        coalesce(first_seen_date, published_date) as activity_date
    from renamed
)

select * from final
