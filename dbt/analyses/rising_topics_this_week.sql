-- topics rising in the latest week (see macros/rising_topics.sql)
{{ rising_topics_latest('week') }}
