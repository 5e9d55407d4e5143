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

archive_forms as (
    select
        keyphrase,
        -- the form most papers write; a tie goes to the first in sort order, so every build
        -- names it the same (mode() broke ties differently from build to build)
        first(surface_form order by n_form_papers desc, surface_form) as surface_form
    from surface_form_counts
    group by keyphrase
),

keyphrase_counts as (
    select
        paper_keywords.keyphrase,
        archive_forms.surface_form,
        count(distinct paper_keywords.paper_id) as n_papers
    from paper_keywords
    inner join archive_forms on paper_keywords.keyphrase = archive_forms.keyphrase
    group by all
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
