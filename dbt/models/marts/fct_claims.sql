with claims as (
    select * from {{ ref('int_claims_extracted') }}
),

papers as (
    select * from {{ ref('dim_papers') }}
),

final as (
    select
        claims.claim_id,
        claims.paper_id,
        claims.sentence_index,
        claims.sentence,
        claims.span,
        claims.start_offset,
        claims.end_offset,
        claims.claim_type,
        claims.value,
        claims.unit,
        claims.direction,
        claims.qualifier,
        claims.metric,
        claims.benchmark,
        claims.baseline,
        papers.activity_date,
        papers.primary_topic_id
    from claims
    inner join papers on claims.paper_id = papers.paper_id
)

select * from final
