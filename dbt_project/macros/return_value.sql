{# A value of an enum column of a return definition, as an SQL literal. The value must be one
   the definition allows (return_value_sets, generated from ingest_templates/returns/): a value
   renamed there fails the compile here instead of silently matching no row. #}
{% macro return_value(return_code, column, value) -%}
    {%- set sets = return_value_sets() -%}
    {%- if return_code not in sets or column not in sets[return_code] -%}
        {{ exceptions.raise_compiler_error(return_code ~ "." ~ column ~ " is not an enum column of a return definition") }}
    {%- endif -%}
    {%- if value not in sets[return_code][column] -%}
        {{ exceptions.raise_compiler_error("'" ~ value ~ "' is not a value of " ~ return_code ~ "." ~ column ~ "; ingest_templates/returns/" ~ return_code ~ ".yml allows: " ~ sets[return_code][column] | join(", ")) }}
    {%- endif -%}
    '{{ value }}'
{%- endmacro %}

{# Several values of one enum column, as a list of SQL literals for `in (...)`. #}
{% macro return_values(return_code, column, values) -%}
    {%- for value in values -%}
        {{ return_value(return_code, column, value) }}{{ ", " if not loop.last }}
    {%- endfor -%}
{%- endmacro %}
