"""mlscore's pure domain: rubrics, stages, criteria, scoring, gaps, periods and trends.

Import from the modules themselves (rubric.model, rubric.catalog, rubric.scoring, ...). This
package re-exports nothing, so that importing rubric.model or rubric.periods does not also load
the catalog and its YAML parser.
"""
