with paper_keywords as (
    select * from {{ ref('stg_raw__paper_keywords') }}
),

papers as (
    select * from {{ ref('stg_raw__papers') }}
),

final as (
    select
        paper_keywords.paper_id,
        paper_keywords.keyphrase,
        paper_keywords.surface_form,
        paper_keywords.score,
        paper_keywords.rank
    from paper_keywords
    semi join papers on paper_keywords.paper_id = papers.paper_id
)

select * from final
