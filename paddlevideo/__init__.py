"""Skeleton-based action recognition on PaddlePaddle, in the shape of PaddleVideo."""
