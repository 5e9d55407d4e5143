with paper_keywords as (
    select * from {{ ref('stg_raw__paper_keywords') }}
),

tagged_paper_counts as (
    select count(distinct paper_id) as n_tagged_papers
    from paper_keywords
),

keyphrase_counts as (
    select
        keyphrase,
        count(distinct paper_id) as n_papers,
        mode(surface_form) as surface_form
    from paper_keywords
    group by keyphrase
),

final as (
    select
        keyphrase_counts.keyphrase,
        keyphrase_counts.surface_form,
        keyphrase_counts.n_papers,
        keyphrase_counts.n_papers / tagged_paper_counts.n_tagged_papers as document_frequency,
        ln(tagged_paper_counts.n_tagged_papers / keyphrase_counts.n_papers) as idf
    from keyphrase_counts
    cross join tagged_paper_counts
)

select * from final
