"""isf_portal/cache.py: Django's Redis cache, reusing its client objects."""

from django.core.cache.backends.redis import RedisCache as Stock

from isf_portal.cache import RedisCache


def test_the_redis_cache_keeps_its_client_objects(redis_url):
    cache_ = RedisCache(redis_url, {})
    assert isinstance(cache_, Stock)
    client = cache_._cache.get_client(write=True)
    assert cache_._cache.get_client(write=True) is client
    cache_.set("isf:test:kept", "yes", 5)
    assert cache_.get("isf:test:kept") == "yes"
    cache_.delete("isf:test:kept")
