"""Per-sample transforms; importing this package registers them in PIPELINES."""
from .skeleton import Iden, RandomRotation, SkeletonCropSample, SkeletonModalityTransform
from .ucla import CenterOnFirstFrame, MinMaxScale, RandomViewTransform, ResampleFrames

__all__ = ["CenterOnFirstFrame", "Iden", "MinMaxScale", "RandomRotation", "RandomViewTransform",
           "ResampleFrames", "SkeletonCropSample", "SkeletonModalityTransform"]
