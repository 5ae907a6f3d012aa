{# Generated from ingest_templates/returns/*.yml by `indicators expectations`; edit the
   definitions, not this file (a test fails when they differ). The allowed values of
   each enum column, for return_value(). #}
{% macro return_value_sets() -%}
{{ return({
    "enterprises": {
        "size_category": [
            "规上工业",
            "资质内建筑业",
            "限上批发业",
            "限上零售业",
            "限上住宿业",
            "限上餐饮业",
            "房地产开发经营业",
            "规上服务业"
        ]
    },
    "first_stores": {
        "store_level": [
            "全球首店",
            "亚洲首店",
            "全国首店",
            "华中首店",
            "湖北首店",
            "武汉首店"
        ],
        "store_format": [
            "零售",
            "餐饮",
            "休闲娱乐",
            "生活服务",
            "酒店",
            "其他"
        ]
    },
    "investment": {
        "project_category": [
            "政府投资项目",
            "产业项目",
            "城市更新项目",
            "招商引资项目"
        ],
        "project_status": [
            "谋划储备",
            "新开工",
            "续建",
            "竣工",
            "停缓建"
        ]
    }
}) }}
{%- endmacro %}
