{# The date the marts are computed as of: the as_of_date var, or today. #}
{% macro as_of_date() -%}
    {%- if var('as_of_date') -%}date '{{ var("as_of_date") }}'{%- else -%}current_date{%- endif -%}
{%- endmacro %}
