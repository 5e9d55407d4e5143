-- topics rising in the latest month (see macros/rising_topics.sql)
{{ rising_topics_latest('month') }}
