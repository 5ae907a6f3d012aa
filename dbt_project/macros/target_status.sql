{#
  The status of a target's figure against its expected pace, by the register's comparator.
  completion = actual / target; expected = the share of the target due by the month (1.0
  for a level, judged against the full target); tolerance = the band called 正常.
    ≥ 以上/不少于, ≈ 左右: 超前 from expected + tolerance, 滞后 below expected − tolerance.
    > 超过/突破: the same, except that once the full target is due (expected ≥ 1) it must be
      exceeded: a figure at or below the target is 滞后.
    = 保持: exactly the target (to 0.0001) is 正常; below is 滞后, above 超前.
    ≤ a ceiling: within expected + tolerance is 正常; above it is 滞后 (over the ceiling).
  Pure SQL over its arguments, so tests render this macro and check every comparator.
#}
{% macro target_status(comparator, completion, expected, tolerance) -%}
    case
        when {{ comparator }} = '=' then
            case
                when abs({{ completion }} - {{ expected }}) <= 0.0001 then '正常'
                when {{ completion }} < {{ expected }} then '滞后'
                else '超前'
            end
        when {{ comparator }} = '≤' then
            case when {{ completion }} > {{ expected }} + {{ tolerance }} then '滞后' else '正常' end
        when {{ comparator }} = '>' then
            case
                when {{ completion }} > {{ expected }} + {{ tolerance }} then '超前'
                when {{ completion }} <= {{ expected }} - {{ tolerance }} then '滞后'
                when {{ expected }} >= 1 and {{ completion }} <= 1 then '滞后'
                else '正常'
            end
        else
            case
                when {{ completion }} >= {{ expected }} + {{ tolerance }} then '超前'
                when {{ completion }} < {{ expected }} - {{ tolerance }} then '滞后'
                else '正常'
            end
    end
{%- endmacro %}
