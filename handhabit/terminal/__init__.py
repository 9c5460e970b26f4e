"""What handhabit draws in a terminal with rich: the heatmap and the guided routine."""
