with paper_keywords as (
    select * from {{ ref('stg_raw__paper_keywords') }}
),

tagged_paper_counts as (
    select count(distinct paper_id) as n_tagged_papers
    from paper_keywords
),

surface_form_counts as (
    select
        keyphrase,
        surface_form,
        count(distinct paper_id) as n_form_papers
    from paper_keywords
    group by all
),

keyphrase_counts as (
    select
        keyphrase,
        -- a paper writes a keyphrase in one surface form (the lake's key is paper_id, keyphrase)
        cast(sum(n_form_papers) as bigint) as n_papers,
        {{ most_written_form() }} as surface_form
    from surface_form_counts
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
